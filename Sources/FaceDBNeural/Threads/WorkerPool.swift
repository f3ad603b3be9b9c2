import Foundation

/// The engine's own helper threads: `cores − 1` threads, started on first use, that run the parts
/// of a layer the calling thread hands them (the caller always runs part 0 itself).
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux, libdispatch's thread pool grows only when it
/// sees idle cores, so on a busy machine a layer's parallel part often ran on the caller's thread
/// alone (measured: 1.0 of 2 cores busy). These threads exist for the process's lifetime and block
/// on a condition variable when idle. ``ComputeBudget`` keeps the number of parts handed out at any
/// moment at most `cores − 1`, so a part never waits long for a helper.
package final class WorkerPool: @unchecked Sendable {
    /// The pool shared by all layers of the process.
    package static let shared = WorkerPool(helpers: ComputeBudget.shared.cores - 1)

    private struct Job {
        let index: Int
        let body: @Sendable (Int) -> Void
        let done: Completion
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopping = false

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
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {  // stopping, and nothing left to do
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            condition.unlock()
            job.body(job.index)
            job.done.finishOne()  // the caller may return now; this thread keeps no state of the job
        }
    }

    /// Lets the helper threads finish the queued parts and exit (the shared pool is never shut down).
    package func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body(0)` … `body(parts − 1)`: part 0 on the calling thread, the others on helpers;
    /// returns when all are done.
    package func run(_ parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        let done = Completion(count: parts - 1)
        condition.lock()
        for index in 1..<parts { queue.append(Job(index: index, body: body, done: done)) }
        condition.broadcast()
        condition.unlock()
        body(0)
        done.wait()
    }
}

/// A countdown the caller waits on until every helper part has finished.
private final class Completion: @unchecked Sendable {
    private let condition = NSCondition()
    private var remaining: Int

    package init(count: Int) { remaining = count }

    package func finishOne() {
        condition.lock()
        remaining -= 1
        if remaining == 0 { condition.broadcast() }
        condition.unlock()
    }

    package func wait() {
        condition.lock()
        while remaining > 0 { condition.wait() }
        condition.unlock()
    }
}
