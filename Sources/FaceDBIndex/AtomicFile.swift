import FaceDBCore
import Glibc
import SystemPackage

/// Whole-file reads and crash-safe whole-file writes through swift-system's `FileDescriptor`.
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
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(
                path: temporary, .writeOnly, options: [.create, .truncate, .closeOnExec], permissions: FilePermissions(rawValue: 0o600))
        } catch {
            throw ioError("create", temporary, error)
        }
        var closed = false
        var done = false
        defer {
            if !closed { try? fd.close() }
            if !done { unlink(temporary) }
        }
        let keep = try produce { bytes in
            do { try fd.writeAll(bytes) } catch { throw ioError("write", temporary, error) }
        }
        guard keep else { return false }
        do { try fd.sync() } catch { throw ioError("flush", temporary, error) }
        closed = true
        do { try fd.close() } catch { throw ioError("close", temporary, error) }
        // swift-system 1.x has no rename(2).
        guard rename(temporary, path) == 0 else { throw ioError("rename into place", path, Errno(rawValue: errno)) }
        done = true
        try OutputFile.syncDirectory(of: path)
        return true
    }

    /// Reads the whole file.
    ///
    /// - Throws: ``FaceDBError/Code/io`` with the path if it is missing or unreadable.
    static func read(_ path: String) throws -> [UInt8] {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path: path, .readOnly, options: .closeOnExec)
        } catch {
            if error as? Errno == .noSuchFileOrDirectory {
                throw FaceDBError(
                    .io, "The file \(path) does not exist.",
                    remedy: "Check the path; a missing index snapshot is rebuilt from the store.", path: path)
            }
            throw ioError("open", path, error)
        }
        // A file opened only to read it: a failure to close it loses nothing.
        defer { try? fd.close() }
        // fstat(2) on the descriptor: swift-system has `FileDescriptor.stat()` only from 1.7.
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else { throw ioError("inspect", path, Errno(rawValue: errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FaceDBError(.io, "\(path) is not a regular file.", remedy: "Point to the snapshot file.", path: path)
        }
        let size = Int(info.st_size)
        var failure: FaceDBError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let n: Int
                do {
                    n = try fd.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized..<size])))
                } catch {
                    failure = ioError("read", path, error)
                    break
                }
                if n == 0 { break }  // the file shrank: return what was read
                initialized += n
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// The error for a failed system call, with its `Errno` (as swift-system threw it) as the cause.
    private static func ioError(_ action: String, _ path: String, _ error: any Error) -> FaceDBError {
        let cause = "\(error)"
        return FaceDBError(
            .io, "Could not \(action) \(path).",
            remedy: "Check the permissions of the directory and the free disk space.", path: path, cause: cause)
    }
}
