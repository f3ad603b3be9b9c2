import Foundation

/// Book-keeping of index snapshots: the sequence of the last one, how many faces changed since,
/// and whether one is being written in the background.
final class SnapshotState: @unchecked Sendable {
    private let lock = NSLock()
    private let group = DispatchGroup()
    private var lastSequence: UInt64?
    private var changedSince = 0
    private var inProgress = false

    /// The sequence of the last snapshot written or loaded.
    var sequence: UInt64? { lock.withLock { lastSequence } }

    /// Records a written or loaded snapshot.
    func didSnapshot(at sequence: UInt64) {
        lock.withLock {
            lastSequence = sequence
            changedSince = 0
        }
    }

    /// Counts changed faces; true when a background snapshot should start now (and marks it started).
    func noteChanged(_ faces: Int, threshold: Int) -> Bool {
        lock.withLock {
            changedSince += faces
            guard !inProgress, changedSince >= threshold else { return false }
            inProgress = true
            group.enter()
            return true
        }
    }

    /// Marks the background snapshot finished.
    func backgroundSnapshotEnded() {
        lock.withLock { inProgress = false }
        group.leave()
    }

    /// Blocks until no background snapshot is running.
    func waitForBackgroundSnapshot() { group.wait() }
}
