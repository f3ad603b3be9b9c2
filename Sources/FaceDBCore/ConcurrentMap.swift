import Foundation

/// Runs a few independent pieces of work at once on the system's threads.
public enum ConcurrentMap {
    /// `body(0) … body(count - 1)` run concurrently (`DispatchQueue.concurrentPerform`), their
    /// results in index order. When some throw, the error of the lowest index is rethrown, so the
    /// outcome does not depend on which thread finished first.
    public static func map<R>(_ count: Int, _ body: @Sendable (Int) throws -> R) throws -> [R] {
        let slots = Slots<R>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = Result { try body(i) } }
        return try (0..<count).map { try slots[$0]!.get() }
    }
}

/// One result slot per index, each written by exactly one task before any is read (raw storage:
/// tasks write their own slot without touching a shared array value).
private final class Slots<R>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<R, Error>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    subscript(i: Int) -> Result<R, Error>? {
        get { slots[i] }
        set { slots[i] = newValue }
    }
}
