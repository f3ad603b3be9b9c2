import Foundation

/// Book-keeping of index snapshots: the sequence of the last one, how many faces changed since,
/// and whether one is being written in the background.
final class SnapshotState: @unchecked Sendable {
    private let lock = NSLock()
    /// Held while a snapshot file is written, so two writers never interleave (close vs background).
    private let fileLock = NSLock()
    private let group = DispatchGroup()
    private var lastSequence: UInt64?
    private var changedSince = 0
    private var inProgress = false
    private var pauses = 0

    /// The sequence of the last snapshot written or loaded.
    var sequence: UInt64? { lock.withLock { lastSequence } }

    /// Runs `body` (which writes the snapshot of `sequence`) as the only snapshot writer, and records
    /// it; skips it when a newer snapshot was written meanwhile. Returns whether it ran.
    func write(sequence: UInt64, _ body: () throws -> Void) rethrows -> Bool {
        try fileLock.withLock {
            if let last = self.sequence, last > sequence { return false }
            try body()
            didSnapshot(at: sequence)
            return true
        }
    }

    /// Records a written or loaded snapshot (an older one than already recorded is ignored).
    func didSnapshot(at sequence: UInt64) {
        lock.withLock {
            if let last = lastSequence, last > sequence { return }
            lastSequence = sequence
            changedSince = 0
        }
    }

    /// Counts changed faces; true when a background snapshot should start now (and marks it started).
    func noteChanged(_ faces: Int, threshold: Int) -> Bool {
        lock.withLock {
            changedSince += faces
            guard !inProgress, pauses == 0, changedSince >= threshold else { return false }
            inProgress = true
            group.enter()
            return true
        }
    }

    /// Marks a background snapshot started unless one is running or snapshots are paused; true
    /// when the caller should start it.
    func beginBackgroundSnapshot() -> Bool {
        lock.withLock {
            guard !inProgress, pauses == 0 else { return false }
            inProgress = true
            group.enter()
            return true
        }
    }

    /// Holds background snapshots back (a bulk import would otherwise copy the growing index again
    /// and again; the change log covers it meanwhile) until the matching ``resume()``.
    func pause() { lock.withLock { pauses += 1 } }

    /// Ends a ``pause()``; the next change starts a snapshot if enough changed meanwhile.
    func resume() { lock.withLock { pauses -= 1 } }

    /// Marks the background snapshot finished.
    func backgroundSnapshotEnded() {
        lock.withLock { inProgress = false }
        group.leave()
    }

    /// Blocks until no background snapshot is running.
    func waitForBackgroundSnapshot() { group.wait() }
}
