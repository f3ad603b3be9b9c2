import Foundation

/// State behind a lock, with a condition variable to wait until it changes: the one waiting
/// primitive of FaceDB's concurrency helpers (``Handoff``, the neural engine's `WorkerPool` and its
/// countdown of finished parts). Work handed to Dispatch is waited for with a `DispatchGroup`.
///
/// Why not `Synchronization.Mutex`, as every other helper here: a thread that must sleep until
/// another changes the state needs a condition variable, and `Mutex` has none (on Linux it is a
/// futex of its own that no `pthread_cond_t` can wait on). Nor a spinning or polling loop around a
/// `Mutex`: a consumer may wait for minutes (an import's reader for a slow disk, the engine's idle
/// helper threads for the next layer). So this wraps one `NSCondition` (a `pthread_mutex_t` and a
/// `pthread_cond_t`) and keeps the state inside it, reachable only with the lock held, as
/// `Mutex<State>` does.
package final class ConditionLock<State>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var state: State

    /// Makes an unlocked lock holding `initial`.
    package init(_ initial: State) {
        state = initial
    }

    /// Runs `body` with the state, holding the lock.
    package func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body(&state)
    }

    /// Waits (the lock released meanwhile) until `ready` holds for the state, then runs `body` with
    /// it, holding the lock from the last check of `ready` to the end of `body`.
    package func withLock<R>(waitingUntil ready: (State) -> Bool, _ body: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        while !ready(state) { condition.wait() }
        return try body(&state)
    }

    /// Wakes every thread waiting in ``withLock(waitingUntil:_:)`` to check its condition again.
    /// Call it after changing the state, with the lock held (inside `body`) or not.
    package func broadcast() {
        condition.broadcast()
    }
}
