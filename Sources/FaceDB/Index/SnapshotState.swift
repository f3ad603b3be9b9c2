import Foundation
import Synchronization

/// Book-keeping of index snapshots: the sequence of the last one, how many faces changed since,
/// and whether one is being written in the background.
///
/// When to write one in the background: once `threshold` faces changed, as soon as writes pause for
/// the quiet period; a stream of writes that never pauses gets one when twice the threshold changed.
/// A snapshot copies the whole index, so taking it in the middle of a burst of adds would slow the
/// burst and be outdated before it is written; the change log covers the faces meanwhile.
final class SnapshotState: Sendable {
    /// What a change asks of the database.
    enum Decision: Equatable {
        /// Nothing to do.
        case none
        /// Start a background snapshot now (it has been marked started).
        case start
        /// A snapshot is due: check again after the quiet period (``startIfQuiet(quietPeriod:now:)``).
        case waitForQuiet
    }

    /// What a deferred check found.
    enum QuietCheck: Equatable {
        /// Start a background snapshot now (it has been marked started).
        case start
        /// Writes were seen lately: check again after this many seconds.
        case wait(Double)
        /// Nothing is due any more (started meanwhile, paused or shut down).
        case drop
    }

    private struct State {
        var lastSequence: UInt64?
        var changedSince = 0
        var inProgress = false
        var pauses = 0
        /// A due snapshot waits for writes to pause.
        var waiting = false
        /// The time of the last change, in seconds (``SnapshotState/now()``).
        var lastChange = 0.0
        /// A write is under way (between ``SnapshotState/writeStarted()`` and ``SnapshotState/noteChanged(_:threshold:now:)``).
        var writing = false
        /// Set by ``SnapshotState/shutDown()``: no background snapshot starts any more.
        var isShutDown = false
    }

    private let state = Mutex(State())
    /// Held while a snapshot file is written, so two writers never interleave (close vs background).
    private let fileLock = Mutex<Void>(())
    /// Entered while a background snapshot runs.
    private let group = DispatchGroup()

    /// Monotonic seconds.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The sequence of the last snapshot written or loaded.
    var sequence: UInt64? { state.withLock { $0.lastSequence } }

    /// Runs `body` as the only snapshot writer and records the snapshot it wrote. `body` gets the
    /// sequence of the last snapshot written or loaded, must not write an older one, and returns
    /// the sequence it wrote (nil: none).
    func write(_ body: (_ newest: UInt64?) throws -> UInt64?) rethrows -> UInt64? {
        try fileLock.withLock { _ in
            guard let sequence = try body(self.sequence) else { return nil }
            didSnapshot(at: sequence)
            return sequence
        }
    }

    /// Records a written or loaded snapshot (an older one than already recorded is ignored).
    func didSnapshot(at sequence: UInt64) {
        state.withLock { state in
            if let last = state.lastSequence, last > sequence { return }
            state.lastSequence = sequence
            state.changedSince = 0
        }
    }

    /// Marks a write under way: a due snapshot does not start before it ends.
    func writeStarted() { state.withLock { $0.writing = true } }

    /// Ends a write: counts changed faces and says whether a background snapshot is due (see the type's comment).
    func noteChanged(_ faces: Int, threshold: Int, now: Double = SnapshotState.now()) -> Decision {
        state.withLock { state in
            state.changedSince += faces
            state.lastChange = now
            state.writing = false
            guard !state.inProgress, !state.isShutDown, state.pauses == 0, state.changedSince >= threshold else { return .none }
            if state.changedSince >= 2 * threshold {
                markStarted(&state)
                return .start
            }
            if state.waiting { return .none }
            state.waiting = true
            return .waitForQuiet
        }
    }

    /// For a due snapshot: starts it when no change came for `quietPeriod` seconds.
    func startIfQuiet(quietPeriod: Double, now: Double = SnapshotState.now()) -> QuietCheck {
        state.withLock { state in
            guard state.waiting, !state.inProgress, !state.isShutDown, state.pauses == 0 else {
                state.waiting = false
                return .drop
            }
            let idle = state.writing ? 0 : now - state.lastChange
            guard idle >= quietPeriod else { return .wait(quietPeriod - idle) }
            markStarted(&state)
            return .start
        }
    }

    /// Marks a background snapshot started, in `state` (the caller holds its lock).
    private func markStarted(_ state: inout State) {
        state.waiting = false
        state.inProgress = true
        group.enter()
    }

    /// No background snapshot starts after this (the database is closing); then wait for a running
    /// one with ``waitForBackgroundSnapshot()``.
    func shutDown() { state.withLock { $0.isShutDown = true } }

    /// Marks a background snapshot started unless one is running or snapshots are paused; true
    /// when the caller should start it.
    func beginBackgroundSnapshot() -> Bool {
        state.withLock { state in
            guard !state.inProgress, !state.isShutDown, state.pauses == 0 else { return false }
            markStarted(&state)
            return true
        }
    }

    /// Holds background snapshots back (a bulk import would otherwise copy the growing index again
    /// and again; the change log covers it meanwhile) until the matching ``resume()``.
    func pause() { state.withLock { $0.pauses += 1 } }

    /// Ends a ``pause()``; the next change starts a snapshot if enough changed meanwhile.
    func resume() { state.withLock { $0.pauses -= 1 } }

    /// Marks the background snapshot finished.
    func backgroundSnapshotEnded() {
        state.withLock { $0.inProgress = false }
        group.leave()
    }

    /// Blocks until no background snapshot is running.
    func waitForBackgroundSnapshot() { group.wait() }
}
