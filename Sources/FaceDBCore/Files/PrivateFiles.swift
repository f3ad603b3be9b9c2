import Foundation

/// A database's files hold biometric data: its directories are 0700 and its files 0600 (owner
/// only), as PostgreSQL keeps its data directory.
///
/// The directory is made 0700 whatever the umask (``makeDirectory(_:)``), which alone keeps other
/// users out of everything in it. RocksDB creates its files with mode 0644 less the umask (its
/// C API has no mode option, and `Env::SetAllowNonOwnerAccess(false)` was measured to change
/// nothing in Debian's RocksDB 7.8), so a writable open and every close take group and other bits
/// off every entry (``tighten(under:)``); the `facedb` command also runs with umask 077, so its
/// files are 0600 from the start. Opening reports what ``exposed(under:)`` finds first.
package enum PrivateFiles {
    /// The mode of a database's directories.
    package static let directoryMode: Int = 0o700

    /// Creates the directory `path` (missing parents with the usual modes) and sets it to
    /// ``directoryMode``, also when it existed already (an empty directory given to `create`).
    package static func makeDirectory(_ path: String) throws {
        let fm = FileManager.default
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        if !fm.fileExists(atPath: path) { try fm.createDirectory(atPath: path, withIntermediateDirectories: false) }
        // chmod(2) ignores the umask; mkdir(2) does not, and a directory that existed kept its mode.
        try fm.setAttributes([.posixPermissions: directoryMode], ofItemAtPath: path)
    }

    /// `path` and every entry under it that its group or others may access, with its mode, in
    /// walk order (symbolic links are neither reported nor followed).
    package static func exposed(under path: String) -> [(path: String, mode: Int)] {
        var out: [(String, Int)] = []
        walk(path) { entry, mode in
            if mode & 0o077 != 0 { out.append((entry, mode)) }
        }
        return out
    }

    /// Takes the group and other permission bits off `path` and every entry under it (symbolic
    /// links untouched). Best effort: an entry that vanished meanwhile (a compaction deleted a
    /// table file) or cannot be changed is skipped. - Returns: how many entries were changed.
    @discardableResult
    package static func tighten(under path: String) -> Int {
        var changed = 0
        walk(path) { entry, mode in
            guard mode & 0o077 != 0 else { return }
            if (try? FileManager.default.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: entry)) != nil { changed += 1 }
        }
        return changed
    }

    /// Calls `body` with `path` and each entry under it and its permission bits, skipping symbolic links.
    private static func walk(_ path: String, _ body: (String, Int) -> Void) {
        let fm = FileManager.default
        func visit(_ entry: String) {
            guard let attributes = try? fm.attributesOfItem(atPath: entry),
                attributes[.type] as? FileAttributeType != .typeSymbolicLink,
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            else { return }
            body(entry, mode)
        }
        visit(path)
        if let walker = fm.enumerator(atPath: path) {
            for case let relative as String in walker { visit(path + "/" + relative) }
        }
    }
}
