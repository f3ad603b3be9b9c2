import Foundation
import Synchronization

/// Runs independent pieces of work at once and gathers their results in order.
package enum ConcurrentMap {
    /// `body(0) … body(count - 1)` run concurrently (`DispatchQueue.concurrentPerform`), their
    /// results in index order. When some throw, the error of the lowest index is rethrown, so the
    /// outcome does not depend on which thread finished first. For a few pieces of short work.
    package static func map<R: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> R) throws -> [R] {
        let slots = Slots<Result<R, any Error>>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, Result { try body(i) }) }
        return try slots.values.map { try $0.get() }
    }

    /// `items.map(body)` computed by `threads` threads of our own taking items in turn (each with a
    /// stack of `stackSize` bytes), in order: for coarse work such as whole photos. Not the neural
    /// engine's `WorkerPool`: its helpers run the parts of one layer, and a photo's detector hands
    /// layer parts to them, so a photo running on a helper would wait on itself.
    package static func map<T: Sendable, R: Sendable>(
        _ items: [T], threads: Int, stackSize: Int = 8 << 20, _ body: @escaping @Sendable (T) -> R
    ) -> [R] {
        if items.count <= 1 || threads <= 1 { return items.map(body) }
        let slots = Slots<R>(count: items.count)
        let group = DispatchGroup()
        for _ in 0..<min(threads, items.count) {
            group.enter()
            let thread = Thread {
                while let i = slots.take() { slots.set(i, body(items[i])) }
                group.leave()
            }
            thread.stackSize = stackSize
            thread.start()
        }
        group.wait()
        return slots.values
    }
}

/// One result slot per index and the next index to compute, behind a lock (each slot is set once).
private final class Slots<R: Sendable>: Sendable {
    private struct State {
        var results: [R?]
        var next = 0
    }

    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(results: Array(repeating: nil, count: count))) }

    /// The next index to compute, or nil when all are taken.
    func take() -> Int? {
        state.withLock { state in
            guard state.next < state.results.count else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    func set(_ i: Int, _ value: R) { state.withLock { $0.results[i] = value } }

    /// Every result (all must be set).
    var values: [R] { state.withLock { $0.results.map { $0! } } }
}
