import Glibc

/// The rules every path FaceDB's command line writes to must pass, checked before anything is
/// written (the files themselves are then written with ``OutputFile``). A path is refused with a
/// ``FaceDBError/Code/refusedOutput`` error when it
///
/// - is an existing directory, or anything else that is not a regular file (a device, a FIFO);
/// - is a symbolic link (whatever it points to: the link's target is never written through);
/// - lies inside a FaceDB database directory: any ancestor directory holding `store/CURRENT`, or
///   one of ``databases`` (compared after resolving links);
/// - is the same file as one of ``inputs`` (same device and inode, or the same real path);
/// - is an existing regular file, unless ``force`` is set or the caller says it may be replaced
///   (a default output of FaceDB's own from an earlier run);
/// - ends in `/`, or its directory does not exist.
///
/// ```swift
/// let paths = OutputPathGuard(inputs: ["photo.jpg"], databases: ["people.facedb"], force: false)
/// try paths.check("who.png", what: "The annotated photo")
/// ```
public struct OutputPathGuard: Sendable {
    /// The command's input files: none of them may be written.
    public var inputs: [String]
    /// The databases the command uses: nothing inside them may be written.
    public var databases: [String]
    /// Whether an existing regular file (not an input, not inside a database) may be replaced.
    public var force: Bool

    /// A guard for a command with these inputs and databases.
    public init(inputs: [String] = [], databases: [String] = [], force: Bool = false) {
        self.inputs = inputs
        self.databases = databases
        self.force = force
    }

    /// Checks that `path` may be written as a file.
    ///
    /// - Parameters:
    ///   - what: how the message names the file, e.g. `"The rejects file"`.
    ///   - mayReplace: whether an existing regular file there may be replaced without ``force``
    ///     (never a directory, a link, a database's file or an input).
    /// - Throws: ``FaceDBError/Code/refusedOutput`` saying what is wrong and what to do.
    public func check(_ path: String, what: String, mayReplace: Bool = false) throws {
        guard !path.isEmpty else {
            throw FaceDBError(.refusedOutput, "\(what) has an empty path.", remedy: "Give the path of a file to write.")
        }
        if path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..") || path == "." || path == ".." {
            throw refused(
                path, "\(what) \(path) names a directory, not a file.",
                remedy: "Give the path of a file to write, e.g. \(Self.trimmed(path))/out.")
        }
        var info = stat()
        let exists = lstat(path, &info) == 0
        if exists {
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                let target = Self.linkTarget(path).map { " (to \($0))" } ?? ""
                throw refused(
                    path, "\(what) \(path) is a symbolic link\(target); FaceDB never writes through links.",
                    remedy: "Give the path of the file itself, or a new path.")
            }
            if type == S_IFDIR {
                throw refused(
                    path, "\(what) \(path) is an existing directory; FaceDB writes a file there only by a new name and never replaces a directory.",
                    remedy: "Give the path of a file to write, e.g. \(Self.trimmed(path))/out.")
            }
            if type != S_IFREG {
                throw refused(path, "\(what) \(path) exists and is not a regular file.", remedy: "Give the path of a new file.")
            }
        }
        let directory = Self.directory(of: path)
        guard let realDirectory = Self.realPath(directory) else {
            throw refused(
                path, "The directory of \(what.lowercasedFirst) \(path) (\(directory)) does not exist.",
                remedy: "Create the directory first, or give another path.")
        }
        try checkOutsideDatabases(realDirectory, path: path, what: what)
        let realOutput = (realDirectory == "/" ? "" : realDirectory) + "/" + Self.lastComponent(path)
        for input in inputs {
            var inputInfo = stat()
            let sameInode =
                exists && stat(input, &inputInfo) == 0
                && inputInfo.st_dev == info.st_dev && inputInfo.st_ino == info.st_ino
            if sameInode || Self.realPath(input) == realOutput {
                throw refused(
                    path, "\(what) \(path) is the same file as the input \(input); FaceDB never overwrites its inputs.",
                    remedy: "Give another output path.")
            }
        }
        if exists && !force && !mayReplace {
            throw refused(
                path, "\(what) \(path) already exists.",
                remedy: "Pass --force to replace it, or give another path.")
        }
    }

    /// Checks that `path` may be used as a directory of output files (created if missing): it is
    /// not a link, not a file, and neither inside a database nor a database itself. The files
    /// written in it are checked with ``check(_:what:mayReplace:)``.
    /// - Throws: ``FaceDBError/Code/refusedOutput`` saying what is wrong and what to do.
    public func checkDirectory(_ path: String, what: String) throws {
        guard !path.isEmpty else {
            throw FaceDBError(.refusedOutput, "\(what) has an empty path.", remedy: "Give the path of a directory to write.")
        }
        let trimmed = Self.trimmed(path)
        var info = stat()
        if lstat(trimmed, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                throw refused(
                    path, "\(what) \(path) is a symbolic link; FaceDB never writes through links.",
                    remedy: "Give the path of the directory itself, or a new path.")
            }
            if type != S_IFDIR {
                throw refused(path, "\(what) \(path) exists and is not a directory.", remedy: "Give the path of a new directory.")
            }
            guard let real = Self.realPath(trimmed) else {
                throw refused(path, "\(what) \(path) cannot be resolved.", remedy: "Check its permissions.")
            }
            try checkOutsideDatabases(real, path: path, what: what)
        } else {
            let parent = Self.directory(of: trimmed)
            guard let realParent = Self.realPath(parent) else {
                throw refused(
                    path, "The parent of \(what.lowercasedFirst) \(path) (\(parent)) does not exist.",
                    remedy: "Create it first, or give another path.")
            }
            try checkOutsideDatabases(realParent, path: path, what: what)
        }
    }

    /// Checks that no two of `paths` name the same file (e.g. `--csv` and `--svg` given one path).
    /// - Throws: ``FaceDBError/Code/refusedOutput`` naming the path given twice.
    public func checkDistinct(_ paths: [String]) throws {
        var seen = Set<String>()
        for path in paths {
            let key = Self.realPath(Self.directory(of: path)).map { $0 + "/" + Self.lastComponent(path) } ?? path
            guard seen.insert(key).inserted else {
                throw refused(path, "\(path) is given for two outputs of one command.", remedy: "Give each output its own path.")
            }
        }
    }

    /// Refuses when the real directory `realDirectory` is, or is inside, a database.
    private func checkOutsideDatabases(_ realDirectory: String, path: String, what: String) throws {
        for database in databases {
            guard let real = Self.realPath(database) else { continue }
            if realDirectory == real || realDirectory.hasPrefix(real == "/" ? "/" : real + "/") {
                throw insideDatabase(path, what: what, database: database)
            }
        }
        var directory = realDirectory
        while true {
            var info = stat()
            if stat((directory == "/" ? "" : directory) + "/store/CURRENT", &info) == 0 {
                throw insideDatabase(path, what: what, database: directory)
            }
            if directory == "/" || directory.isEmpty { return }
            directory = Self.directory(of: directory)
        }
    }

    private func insideDatabase(_ path: String, what: String, database: String) -> FaceDBError {
        refused(
            path, "\(what) \(path) lies inside the FaceDB database \(database); writing there would damage it.",
            remedy: "Give a path outside the database directory.")
    }

    private func refused(_ path: String, _ message: String, remedy: String) -> FaceDBError {
        FaceDBError(.refusedOutput, message, remedy: remedy, path: path)
    }

    /// The directory part of `path` (`.` for a bare name, `/` for a name at the root).
    static func directory(of path: String) -> String {
        let trimmed = Self.trimmed(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The last component of `path`.
    static func lastComponent(_ path: String) -> String {
        let trimmed = Self.trimmed(path)
        return trimmed.lastIndex(of: "/").map { String(trimmed[trimmed.index(after: $0)...]) } ?? trimmed
    }

    /// `path` without trailing slashes (`/` stays `/`).
    static func trimmed(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1 && text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    /// The canonical absolute path (links resolved), or nil when `path` does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What the link at `path` points to.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    /// The string with its first character lowercased ("The rejects file" → "the rejects file").
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
