import FaceDBCore

import Glibc

/// Whole-file reads and crash-safe whole-file writes with POSIX calls.
///
/// A write goes to `path.tmp`, is fsynced, renamed over `path`, and the directory is fsynced, so
/// after a crash `path` holds either the old or the new contents, never a mix.
enum AtomicFile {
    /// Writes the concatenation of what `produce` passes to its `write` function, unless `produce`
    /// returns false (then nothing is written and `path` is left as it was).
    ///
    /// - Returns: whether the file was written.
    /// - Throws: ``FaceDBError/Code/io`` with the path when the file system fails; errors from
    ///   `produce` are passed on. The temporary file is removed on failure.
    @discardableResult
    static func write(
        to path: String, _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool
    ) throws -> Bool {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("create", temporary) }
        var closed = false
        var done = false
        defer {
            if !closed { close(fd) }
            if !done { unlink(temporary) }
        }
        let keep = try produce { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ioError("write", temporary)
                }
                offset += n
            }
        }
        guard keep else { return false }
        guard fsync(fd) == 0 else { throw ioError("flush", temporary) }
        closed = true
        guard close(fd) == 0 else { throw ioError("close", temporary) }
        guard rename(temporary, path) == 0 else { throw ioError("rename into place", path) }
        done = true
        try OutputFile.syncDirectory(of: path)
        return true
    }

    /// Reads the whole file.
    ///
    /// - Throws: ``FaceDBError/Code/io`` with the path if it is missing or unreadable.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                throw FaceDBError(
                    .io, "The file \(path) does not exist.",
                    remedy: "Check the path; a missing index snapshot is rebuilt from the store.", path: path)
            }
            throw ioError("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ioError("inspect", path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FaceDBError(.io, "\(path) is not a regular file.", remedy: "Point to the snapshot file.", path: path)
        }
        let size = Int(info.st_size)
        var failure: FaceDBError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let n = Glibc.read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = ioError("read", path) }
                if n <= 0 { break }  // an error, or the file shrank: return what was read
                initialized += n
            }
        }
        if let failure { throw failure }
        return bytes
    }


    /// The error for a failed system call, with `errno` as the cause.
    private static func ioError(_ action: String, _ path: String) -> FaceDBError {
        let cause = String(cString: strerror(errno))
        return FaceDBError(
            .io, "Could not \(action) \(path).",
            remedy: "Check the permissions of the directory and the free disk space.", path: path, cause: cause)
    }
}
