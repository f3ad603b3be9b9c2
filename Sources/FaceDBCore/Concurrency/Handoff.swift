/// A bounded queue between one producing and one consuming thread: `put` waits while it is full,
/// `take` waits while it is empty, and the consumer can ``cancel()`` to make the producer stop.
package final class Handoff<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var cancelled = false
    }

    private let state = ConditionLock(State())
    private let capacity: Int

    /// Makes a queue holding at most `capacity` elements.
    package init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Adds `element`, waiting for room. Returns false (dropping it) once the consumer has cancelled.
    package func put(_ element: Element) -> Bool {
        state.withLock(waitingUntil: { $0.items.count < capacity || $0.cancelled }) { state in
            if state.cancelled { return false }
            state.items.append(element)
            self.state.broadcast()
            return true
        }
    }

    /// Removes the oldest element, waiting for one.
    package func take() -> Element {
        state.withLock(waitingUntil: { !$0.items.isEmpty }) { state in
            let first = state.items.removeFirst()
            self.state.broadcast()
            return first
        }
    }

    /// Tells the producer to stop: pending and later `put`s return false.
    package func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.items.removeAll()
            self.state.broadcast()
        }
    }
}
