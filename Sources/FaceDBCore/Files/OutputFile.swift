import Glibc
import SystemPackage

/// A file written whole or not at all: the bytes go through a buffer to a temporary file in the same
/// directory, and ``commit(skipIfEmptyAndNew:)`` makes them durable (fsync), renames the temporary
/// file over `path` and fsyncs the directory. Until then `path` keeps what it held; after a crash it
/// holds the old or the new contents, never a mix. A file released without ``commit(skipIfEmptyAndNew:)``
/// (an error part-way) is discarded: its temporary file is removed.
///
/// I/O failures (a full disk above all) are ``FaceDBError/Code/io`` errors that name the file.
/// Every file FaceDB's command line writes (export files, rejects files, annotated photos, curves
/// and plots) goes through it; check the path with ``OutputPathGuard`` first.
///
/// ```swift
/// let file = try OutputFile(path: "people.jsonl")
/// try file.write("{\"identity\":\"ada\"}\n")
/// try file.commit()
/// ```
public final class OutputFile {
    /// The file's path (where it appears on ``commit(skipIfEmptyAndNew:)``).
    public let path: String
    /// The temporary file the bytes go to until they are committed.
    public let temporaryPath: String
    /// Bytes written so far (including those still buffered).
    public private(set) var offset = 0

    /// The temporary file, until it is closed.
    private var descriptor: FileDescriptor?
    private var buffer = [UInt8]()
    private let bufferSize: Int
    private var finished = false

    /// Opens a new temporary file next to `path` (`.NAME.tmp-…` in the same directory).
    ///
    /// - Parameters:
    ///   - permissions: the new file's mode (less the umask); 0o600 for private files.
    ///   - bufferSize: how many bytes are gathered before each write to the file.
    /// - Throws: ``FaceDBError/Code/io`` when the temporary file cannot be created (a missing or
    ///   read-only directory).
    public init(path: String, permissions: mode_t = 0o644, bufferSize: Int = 1 << 20) throws {
        self.path = path
        self.bufferSize = max(bufferSize, 1)
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var attempt = 0
        while true {
            let candidate = directory + "." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            do {
                descriptor = try FileDescriptor.open(
                    path: candidate, .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                    permissions: FilePermissions(rawValue: permissions))
                temporaryPath = candidate
                break
            } catch {
                attempt += 1
                let code = error as? Errno
                if code != .fileExists || attempt >= 100 {
                    let reason = "\(error)"
                    throw FaceDBError(
                        .io, "Cannot create a file next to \(path) for writing: \(reason).",
                        remedy: "Check that its directory exists and is writable.", path: path, cause: reason)
                }
            }
        }
        buffer.reserveCapacity(self.bufferSize)
    }

    deinit {
        discard()
    }

    /// Writes `bytes` to a new file at `path` in one go, atomically (see ``OutputFile``).
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be written.
    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws {
        let file = try OutputFile(path: path, permissions: permissions)
        try file.write(bytes)
        try file.commit()
    }

    /// Appends bytes.
    public func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        try checkOpen()
        buffer.append(contentsOf: bytes)
        offset += bytes.count
        if buffer.count >= bufferSize { try flush() }
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws { try write(text.utf8) }

    /// Appends the raw bytes of float32 values (little-endian on this platform).
    public func write(floats: [Float]) throws {
        try floats.withUnsafeBytes { try write($0) }
    }

    /// Overwrites `bytes` at `position` (which must already have been written).
    public func overwrite(_ bytes: [UInt8], at position: Int) throws {
        try flush()
        do {
            try descriptor!.writeAll(toAbsoluteOffset: Int64(position), bytes)
        } catch {
            throw failure("Writing", path, error)
        }
    }

    /// Writes the buffered bytes to the temporary file.
    public func flush() throws {
        try checkOpen()
        defer { buffer.removeAll(keepingCapacity: true) }
        do {
            try descriptor!.writeAll(buffer)
        } catch {
            throw failure("Writing", path, error)
        }
    }

    /// Flushes, fsyncs and closes the temporary file, renames it over ``path`` and fsyncs the
    /// directory; later calls do nothing.
    ///
    /// - Parameter skipIfEmptyAndNew: when nothing was written and nothing is at ``path``, discard
    ///   the file instead (a rejects file with no rows is not created, but an earlier one is
    ///   replaced by an empty one, so that it never lists what an earlier run rejected).
    /// - Returns: whether the file was put in place.
    /// - Throws: ``FaceDBError/Code/io`` when a step fails; the temporary file is then removed and
    ///   ``path`` keeps what it held.
    @discardableResult
    public func commit(skipIfEmptyAndNew: Bool = false) throws -> Bool {
        guard !finished else { return false }
        var info = stat()
        if skipIfEmptyAndNew && offset == 0 && lstat(path, &info) != 0 && errno == ENOENT {
            discard()
            return false
        }
        do {
            try flush()
            let file = descriptor!
            descriptor = nil
            // Closed also when syncing fails (then that error is thrown, not the close's).
            do {
                try file.closeAfter {
                    do { try file.sync() } catch { throw failure("Syncing", path, error) }
                }
            } catch let error as Errno {
                throw failure("Closing", path, error)
            }
            // swift-system 1.x has no rename(2).
            if rename(temporaryPath, path) != 0 { throw failure("Renaming \(temporaryPath) to", path, Errno(rawValue: errno)) }
        } catch {
            discard()
            throw error
        }
        finished = true
        try Self.syncDirectory(of: path)
        return true
    }

    /// Closes and removes the temporary file, leaving ``path`` as it was; later calls do nothing.
    public func discard() {
        guard !finished else { return }
        finished = true
        try? descriptor?.close()
        descriptor = nil
        unlink(temporaryPath)
    }

    /// Fsyncs the directory that holds `path`, making a rename in it durable (also used by the
    /// index snapshot's writer).
    package static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path: directory, .readOnly, options: [.directory, .closeOnExec])
        } catch {
            throw failure("Opening the directory", directory, error)
        }
        // A failure to close a directory opened only to sync it changes nothing on the disk.
        defer { try? fd.close() }
        do { try fd.sync() } catch { throw failure("Syncing the directory", directory, error) }
    }

    private func checkOpen() throws {
        guard descriptor != nil, !finished else {
            throw FaceDBError(.io, "\(path) is already closed.", remedy: "This is a bug in the caller; open the file again.", path: path)
        }
    }

    private func failure(_ what: String, _ file: String, _ error: any Error) -> FaceDBError {
        Self.failure(what, file, error)
    }

    /// The error for a failed system call; `error` is the `Errno` swift-system threw (its
    /// description is `strerror`'s).
    private static func failure(_ what: String, _ file: String, _ error: any Error) -> FaceDBError {
        let code = error as? Errno
        let reason = "\(error)"
        let remedy =
            code == .noSpace || code == .diskQuotaExceeded
            ? "The disk is full: free some space (or write to another disk) and run the command again."
            : "Check the file's permissions and the disk."
        return FaceDBError(.io, "\(what) \(file) failed: \(reason).", remedy: remedy, path: file, cause: reason)
    }
}
