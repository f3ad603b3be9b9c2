import FaceDBCore
import Foundation
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A `flock` on a database's `LOCK` file: exclusive for a writer, so that one process (and one
/// handle) at a time writes a database, or shared for read-only handles, which may be many. The
/// single owner of the file descriptor; released on `unlock()` or `deinit`.
final class DirectoryLock: @unchecked Sendable {
    private var fd: FileDescriptor?

    /// Takes the lock (shared when `shared`) or throws `.databaseLocked` at once (it never waits).
    init(directory: String, shared: Bool = false) throws {
        let path = directory + "/LOCK"
        // A reader needs no write access to the file (a database on a read-only mount can be read).
        let file: FileDescriptor
        do {
            if shared, let readOnly = try? FileDescriptor.open(path: path, .readOnly, options: .closeOnExec) {
                file = readOnly
            } else {
                file = try FileDescriptor.open(
                    path: path, .readWrite, options: [.create, .closeOnExec], permissions: FilePermissions(rawValue: 0o600))
            }
        } catch {
            throw FaceDBError(
                .io, "Cannot open \(path): \(error).",
                remedy: "Check the directory's permissions.", path: path)
        }
        // flock(2) on the descriptor: swift-system has no call for it (its `OpenOptions.sharedLock`
        // and `.exclusiveLock` are Darwin's O_SHLOCK/O_EXLOCK, which Linux lacks).
        if flock(file.rawValue, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = Errno(rawValue: errno)
            try? file.close()
            if code == .wouldBlock {
                throw FaceDBError(
                    .databaseLocked, "The database at \(directory) is already open in another process or handle.",
                    remedy: "Close the other user first; a database has one writer process at a time.", path: directory)
            }
            throw FaceDBError(.io, "Cannot lock \(path): \(code).", path: path)
        }
        fd = file
    }

    /// No lock at all: for a reader beside a writer that holds the exclusive lock (the reader
    /// writes nothing under the directory; see `FaceStore.open(besideWriter:)`).
    init(unheldFor directory: String) { fd = nil }

    /// Releases the lock. Idempotent.
    func unlock() {
        guard let file = fd else { return }
        flock(file.rawValue, LOCK_UN)  // swift-system has no flock (see init)
        try? file.close()
        fd = nil
    }

    deinit { unlock() }
}
