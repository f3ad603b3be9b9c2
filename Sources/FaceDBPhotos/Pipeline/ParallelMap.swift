import FaceDBNeural
import Foundation

/// Maps a function over an array on a few threads of our own, keeping the order: for coarse work
/// such as whole photos. Not ``WorkerPool``: its helpers run the parts of one layer, and a photo's
/// detector hands layer parts to them, so a photo running on a helper would wait on itself.
enum ParallelMap {
    /// `items.map(body)` computed by `workers` threads taking items in turn.
    static func map<T: Sendable, R: Sendable>(_ items: [T], workers: Int, _ body: @escaping @Sendable (T) -> R) -> [R] {
        if items.count <= 1 || workers <= 1 { return items.map(body) }
        let slots = ResultSlots<R>(count: items.count)
        let group = DispatchGroup()
        for _ in 0..<min(workers, items.count) {
            group.enter()
            let thread = Thread {
                while let i = slots.take(below: items.count) { slots.set(i, body(items[i])) }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return slots.values
    }
}

/// The results of a ``ParallelMap`` and the next index to compute, behind a lock.
final class ResultSlots<R: Sendable>: @unchecked Sendable {
    private var results: [R?]
    private var next = 0
    private let lock = NSLock()

    init(count: Int) { results = Array(repeating: nil, count: count) }

    /// The next index to compute, or nil when all are taken.
    func take(below count: Int) -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func set(_ i: Int, _ value: R) { lock.withLock { results[i] = value } }

    /// Every result (all must be set).
    var values: [R] { lock.withLock { results.map { $0! } } }
}
