import Glibc
import SystemPackage

/// What FaceDB's file code needs of `FileDescriptor` beyond swift-system's own calls.
extension FileDescriptor {
    /// Opens `path` exactly as given (`open(2)` on its bytes). swift-system's `FilePath` would
    /// normalise it first, dropping a trailing or doubled `/`: `notes.txt/` would then open a file
    /// that `open(2)` refuses as not a directory.
    /// - Throws: `Errno`.
    package static func open(
        path: String, _ mode: AccessMode, options: OpenOptions = [], permissions: FilePermissions? = nil
    ) throws -> FileDescriptor {
        try path.withCString { try FileDescriptor.open($0, mode, options: options, permissions: permissions) }
    }

    /// `fsync(2)`: flushes the file's data and metadata to the disk. swift-system 1.x has no call
    /// for it, so this calls Glibc on ``rawValue`` and throws its `errno` as an `Errno`.
    package func sync() throws(Errno) {
        if Glibc.fsync(rawValue) != 0 { throw Errno(rawValue: errno) }
    }
}
