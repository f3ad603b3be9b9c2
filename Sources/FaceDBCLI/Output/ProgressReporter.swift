import Foundation
import Synchronization

/// Progress of long work on standard error: a bar with rate and ETA on a terminal,
/// a plain line every few seconds otherwise, nothing when disabled. Safe to update from any thread.
final class ProgressReporter: Sendable {
    /// What changes as the work goes on; the lock is held while a line is printed, so lines never mix.
    private struct State {
        var total: Int
        var lastPrint = Date.distantPast
        var done = 0
        var finished = false
    }

    private let state: Mutex<State>
    private let label: String
    private let enabled: Bool
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let started = Date()

    init(label: String, total: Int, enabled: Bool = true) {
        self.label = label
        self.state = Mutex(State(total: total))
        self.enabled = enabled
    }

    /// Records `done` units finished (and a better estimate of the total, if known) and prints when due.
    func update(_ done: Int, total: Int? = nil) {
        state.withLock { state in
            state.done = done
            if let total { state.total = total }
            guard enabled, !state.finished else { return }
            let now = Date()
            let interval: TimeInterval = isTerminal ? 0.1 : 5
            guard now.timeIntervalSince(state.lastPrint) >= interval else { return }
            state.lastPrint = now
            emit(state, final: false)
        }
    }

    /// Prints the final state, once: later updates and finishes print nothing.
    func finish() {
        state.withLock { state in
            guard enabled, !state.finished else { return }
            state.finished = true
            emit(state, final: true)
        }
    }

    private func emit(_ state: State, final: Bool) {
        let (done, total) = (state.done, state.total)
        let elapsed = max(Date().timeIntervalSince(started), 1e-6)
        let rate = Double(done) / elapsed
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let eta = rate > 0 ? Double(max(total - done, 0)) / rate : 0
        let text: String
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            text =
                String(format: "\r%@ [%@] %5.1f%% %d/%d %.0f/s ETA %.0fs", label, bar, fraction * 100, done, total, rate, eta)
                + (final ? "\n" : "")
        } else {
            text = String(format: "%@: %d/%d (%.1f%%) %.0f/s ETA %.0fs\n", label, done, total, fraction * 100, rate, eta)
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
