import Foundation

/// A running `facedb-crash-writer` (Tests/FaceDBCrashWriter): it writes batches to a database
/// until killed and acknowledges each write on its standard output, which this reads as it comes.
public final class CrashWriterProcess: @unchecked Sendable {
    /// What the writer has acknowledged so far.
    public struct Acknowledged: Sendable {
        /// Batches whose identity and faces were added.
        public var added = Set<Int>()
        /// Batches whose identity was removed again.
        public var deleted = Set<Int>()
        /// Whether the writer opened the database and started writing.
        public var ready = false
    }

    private let process = Process()
    private let lock = NSLock()
    private var state = Acknowledged()
    private var reader: Thread?

    /// Starts the writer on the database at `path` (created with `kind` if missing), its first batch `first`.
    public init(path: String, kind: String, first: Int) throws {
        process.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb-crash-writer")
        process.arguments = [path, kind, String(first)]
        let pipe = Pipe()
        process.standardOutput = pipe
        let reader = Thread { [self] in
            var pending = Data()
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    record(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
        }
        self.reader = reader
        try process.run()
        reader.start()
    }

    private func record(_ line: String) {
        let parts = line.split(separator: " ")
        lock.withLock {
            if parts.first == "READY" { state.ready = true }
            guard parts.count == 2, let n = Int(parts[1]) else { return }
            if parts[0] == "ADD" { state.added.insert(n) } else if parts[0] == "DEL" { state.deleted.insert(n) }
        }
    }

    /// What has been acknowledged up to now.
    public var acknowledged: Acknowledged { lock.withLock { state } }

    /// Whether the process still runs.
    public var isRunning: Bool { process.isRunning }

    /// Waits (up to `timeout` seconds) until the writer is ready and has acknowledged `adds` batches.
    public func wait(forAdds adds: Int = 0, timeout: Double = 60) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            let now = acknowledged
            if now.ready && now.added.count >= adds { return }
            usleep(2_000)
        }
    }

    /// Kills the writer with SIGKILL, waits for it, and reads what its pipe still held; returns
    /// whether it was still running (false: it had stopped by itself).
    @discardableResult
    public func kill() -> Bool {
        let wasRunning = process.isRunning
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        while reader?.isFinished == false { usleep(1_000) }
        return wasRunning && process.terminationReason == .uncaughtSignal
    }
}
