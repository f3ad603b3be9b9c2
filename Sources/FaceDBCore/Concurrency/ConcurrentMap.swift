import Foundation

/// Runs a few independent pieces of work at once on the system's threads.
package enum ConcurrentMap {
    /// `body(0) … body(count - 1)` run concurrently (`DispatchQueue.concurrentPerform`), their
    /// results in index order. When some throw, the error of the lowest index is rethrown, so the
    /// outcome does not depend on which thread finished first.
    package static func map<R>(_ count: Int, _ body: @Sendable (Int) throws -> R) throws -> [R] {
        let slots = Slots<R>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = Result { try body(i) } }
        return try (0..<count).map { try slots[$0]!.get() }
    }
}

/// One result slot per index, behind a lock (each task sets its own slot once).
private final class Slots<R>: @unchecked Sendable {
    private var slots: [Result<R, Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(i: Int) -> Result<R, Error>? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }
}
