import FaceDBCore
import Foundation

/// The engine's own helper threads: `cores − 1` threads, started on first use, that run the parts
/// of a layer the calling thread hands them (the caller always runs part 0 itself).
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux, libdispatch's thread pool grows only when it
/// sees idle cores, so on a busy machine a layer's parallel part often ran on the caller's thread
/// alone (measured: 1.0 of 2 cores busy). These threads exist for the process's lifetime and block
/// on a condition variable when idle. ``ComputeBudget`` keeps the number of parts handed out at any
/// moment at most `cores − 1`, so a part never waits long for a helper.
package final class WorkerPool: Sendable {
    /// The pool shared by all layers of the process.
    package static let shared = WorkerPool(helpers: ComputeBudget.shared.cores - 1)

    private struct Job {
        let index: Int
        let body: @Sendable (Int) -> Void
        let done: Completion
    }

    private struct State {
        var queue: [Job] = []
        var stopping = false
    }

    private let state = ConditionLock(State())

    /// Starts `helpers` threads (none for a single core).
    package init(helpers: Int) {
        for i in 0..<max(0, helpers) {
            let thread = Thread { self.serve() }  // the threads keep the pool alive until shutdown()
            thread.name = "facedb-vision-\(i + 1)"
            thread.start()
        }
    }

    private func serve() {
        while true {
            let next = state.withLock(waitingUntil: { !$0.queue.isEmpty || $0.stopping }) { state in
                state.queue.isEmpty ? nil : state.queue.removeFirst()
            }
            guard let job = next else { return }  // stopping, and nothing left to do
            job.body(job.index)
            job.done.finishOne()  // the caller may return now; this thread keeps no state of the job
        }
    }

    /// Lets the helper threads finish the queued parts and exit (the shared pool is never shut down).
    package func shutdown() {
        state.withLock { state in
            state.stopping = true
            self.state.broadcast()
        }
    }

    /// Runs `body(0)` … `body(parts − 1)`: part 0 on the calling thread, the others on helpers;
    /// returns when all are done.
    package func run(_ parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        let done = Completion(count: parts - 1)
        state.withLock { state in
            for index in 1..<parts { state.queue.append(Job(index: index, body: body, done: done)) }
            self.state.broadcast()
        }
        body(0)
        done.wait()
    }
}

/// A countdown the caller waits on until every helper part has finished.
private final class Completion: Sendable {
    /// The parts not finished yet.
    private let remaining: ConditionLock<Int>

    init(count: Int) { remaining = ConditionLock(count) }

    func finishOne() {
        remaining.withLock { remaining in
            remaining -= 1
            if remaining == 0 { self.remaining.broadcast() }
        }
    }

    func wait() {
        remaining.withLock(waitingUntil: { $0 <= 0 }) { _ in }
    }
}
