import FaceDBCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `flock` on a database's `LOCK` file: exclusive for a writer, so that one process (and one
/// handle) at a time writes a database, or shared for read-only handles, which may be many. The
/// single owner of the file descriptor; released on `unlock()` or `deinit`.
final class DirectoryLock: @unchecked Sendable {
    private var fd: Int32

    /// Takes the lock (shared when `shared`) or throws `.databaseLocked` at once (it never waits).
    init(directory: String, shared: Bool = false) throws {
        let path = directory + "/LOCK"
        // A reader needs no write access to the file (a database on a read-only mount can be read).
        fd = shared ? Glibc.open(path, O_RDONLY | O_CLOEXEC) : -1
        if fd < 0 { fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard fd >= 0 else {
            throw FaceDBError(.io, "Cannot open \(path): \(String(cString: strerror(errno))).",
                              remedy: "Check the directory's permissions.", path: path)
        }
        if flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            Glibc.close(fd)
            fd = -1
            if code == EWOULDBLOCK {
                throw FaceDBError(.databaseLocked, "The database at \(directory) is already open in another process or handle.",
                                  remedy: "Close the other user first; a database has one writer process at a time.", path: directory)
            }
            throw FaceDBError(.io, "Cannot lock \(path): \(String(cString: strerror(code))).", path: path)
        }
    }

    /// Releases the lock. Idempotent.
    func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        Glibc.close(fd)
        fd = -1
    }

    deinit { unlock() }
}
