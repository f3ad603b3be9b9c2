import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where FaceDB's async calls run: threads of FaceDB's own, never Swift's cooperative pool.
///
/// Every FaceDB call blocks (RocksDB writes wait for the disk, searches and photo analysis take
/// whole cores for milliseconds to minutes). Run on the cooperative pool, which has one thread per
/// core, two such calls would stall every other task of a server on this 2-core machine. Nor can
/// they go to a Dispatch queue: on Linux, Swift's global executor is Dispatch's global concurrent
/// queue, so a custom queue targets the very threads tasks run on (seen: four async searches
/// left a 1 ms sleeper of the caller 2 wake-ups in 8 s; `AsyncTests`). So an async call hands
/// its blocking body to a thread of this pool — an idle one, or a new one when none is idle;
/// threads idle for 30 s end — and suspends until the body is done.
///
/// A cancelled task raises the body's ``CancellationFlag``, which the body checks between batches
/// (``CancellationFlag/checkpoint()``) and stops with ``FaceDBError/Code/cancelled``.
package final class WorkThreads: @unchecked Sendable {
    /// The process's pool.
    package static let shared = WorkThreads()

    /// Guards `jobs` and `idle`; idle threads sleep on it until a job comes or their idle lifetime
    /// ends. An `NSCondition` of its own, not a ``ConditionLock``: the wait has a deadline.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0
    private static let idleLifetime: TimeInterval = 30

    /// Runs `body` on FaceDB's threads and returns its result; cancelling the awaiting task makes the
    /// body's next checkpoint throw.
    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                shared.submit {
                    continuation.resume(
                        with: Result {
                            try flag.install {
                                try flag.checkpoint(); return try body()
                            }
                        })
                }
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// Whether the calling thread is running the body of ``run(_:)``.
    package static var isWorkThread: Bool { CancellationFlag.current != nil }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        jobs.append(job)
        if jobs.count > idle {
            let thread = Thread { [self] in serve() }
            thread.name = "facedb-work"
            thread.start()
        } else {
            condition.signal()
        }
    }

    private func serve() {
        condition.lock()
        while true {
            while jobs.isEmpty {
                idle += 1
                let woken = condition.wait(until: Date(timeIntervalSinceNow: Self.idleLifetime))
                idle -= 1
                if !woken && jobs.isEmpty {
                    condition.unlock()
                    return
                }
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}

/// Tells a blocking body run by ``WorkThreads/run(_:)`` that its task was cancelled.
///
/// The flag of the running body is kept per thread, so the long loops of FaceDB (import batches,
/// query chunks, photo groups, calibration sampling) check it with one static call instead of
/// taking a parameter through every layer. Threads the body starts itself do not see it: only
/// the body's own thread checks, at its batch boundaries.
package final class CancellationFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    package init() {}

    /// Marks the body as cancelled.
    package func cancel() { raised.store(true, ordering: .relaxed) }

    /// Whether ``cancel()`` was called.
    package var isCancelled: Bool { raised.load(ordering: .relaxed) }

    /// Throws ``FaceDBError/Code/cancelled`` when the flag is raised.
    package func checkpoint() throws {
        if isCancelled {
            throw FaceDBError(
                .cancelled, "The call was cancelled; it stopped between two batches.",
                remedy: "Anything written before it stopped stays written; run it again to go on.")
        }
    }

    /// Throws when the flag of the body running on this thread is raised; does nothing on a thread
    /// that runs no such body (a synchronous call).
    package static func checkpoint() throws { try current?.checkpoint() }

    // MARK: - The flag of the running body

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// The flag of the body running on this thread, if any.
    package static var current: CancellationFlag? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<CancellationFlag>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` with this flag as the thread's ``current`` one (the flag outlives the call).
    func install<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Self.key)
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.key, previous) }
        return try body()
    }
}
