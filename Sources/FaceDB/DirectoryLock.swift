import FaceDBCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on a database's `LOCK` file, so that one process (and one handle) at a time
/// has a database open. The single owner of the file descriptor; released on `unlock()` or `deinit`.
final class DirectoryLock: @unchecked Sendable {
    private var fd: Int32

    /// Takes the lock or throws `.databaseLocked` at once (it never waits).
    init(directory: String) throws {
        let path = directory + "/LOCK"
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FaceDBError(.io, "Cannot open \(path): \(String(cString: strerror(errno))).",
                              remedy: "Check the directory's permissions.", path: path)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
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
