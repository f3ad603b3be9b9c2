#if canImport(Glibc)
    import Glibc
#endif

/// A readers–writer lock: any number of readers, or one writer. Not reentrant.
///
/// Why a `pthread_rwlock_t` and not `Synchronization.Mutex`: a `Mutex` admits one thread at a time,
/// so searches (which share an index and may each take tens of milliseconds on a large one) would
/// queue behind each other instead of running side by side; the standard library has no shared
/// lock. It guards what its owner keeps beside it (a FAISS index and its bookkeeping, the
/// database's current index), which readers use in place, so it holds no value of its own.
package final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    /// Makes an unlocked lock.
    package init() {
        lock.initialize(to: pthread_rwlock_t())
        let status = pthread_rwlock_init(lock, nil)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` holding the lock shared.
    package func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` holding the lock exclusively.
    package func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
