import Foundation

/// A bounded queue between one producing and one consuming thread: `put` waits while it is full,
/// `take` waits while it is empty, and the consumer can ``cancel()`` to make the producer stop.
final class Handoff<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var cancelled = false

    /// Makes a queue holding at most `capacity` elements.
    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Adds `element`, waiting for room. Returns false (dropping it) once the consumer has cancelled.
    func put(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Removes the oldest element, waiting for one.
    func take() -> Element {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let first = items.removeFirst()
        condition.broadcast()
        return first
    }

    /// Tells the producer to stop: pending and later `put`s return false.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
