import Foundation
import Logging

/// Collects what a swift-log `Logger` logs, for tests: pass ``logger`` (every level, label `facedb`)
/// as a database's `DatabaseOptions.logger` and read ``entries`` or ``lines`` afterwards.
/// Thread-safe: background snapshots log from other threads.
public final class LogCapture: @unchecked Sendable {
    /// One message as logged.
    public struct Entry: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var message: String
        /// The logger's metadata merged with the message's.
        public var metadata: Logger.Metadata

        /// `level: message key=value …` (metadata sorted by key).
        public var description: String {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return (["\(level): \(message)"] + pairs).joined(separator: " ")
        }
    }

    private let lock = NSLock()
    private var captured: [Entry] = []

    public init() {}

    /// A logger at level `trace` that records into this capture.
    public var logger: Logger {
        var logger = Logger(label: "facedb", factory: { _ in Handler(capture: self) })
        logger.logLevel = .trace
        return logger
    }

    /// Every message so far, in order.
    public var entries: [Entry] { lock.withLock { captured } }

    /// Every message so far as text (``Entry/description``).
    public var lines: [String] { entries.map(\.description) }

    /// The messages at `level`.
    public func entries(at level: Logger.Level) -> [Entry] { entries.filter { $0.level == level } }

    fileprivate func append(_ entry: Entry) { lock.withLock { captured.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        func log(event: LogEvent) {
            capture.append(
                Entry(
                    level: event.level, message: event.message.description,
                    metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }))
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}
