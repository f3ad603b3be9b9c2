import FaceDB
import Foundation
import Logging

/// Where the `facedb` command's log messages go: standard error (standard output is for results,
/// JSON among them), as `facedb: <message> (key=value, …)`, warnings and errors with their level
/// first. Level `notice` and above unless `FACEDB_LOG_LEVEL` names another (`trace`, `debug`,
/// `info`, `notice`, `warning`, `error`, `critical`).
public enum CommandLog {
    /// The level from `FACEDB_LOG_LEVEL`, else `notice`.
    public static let level: Logger.Level = {
        ProcessInfo.processInfo.environment["FACEDB_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .notice
    }()

    /// A handler writing to standard error, at ``level`` (for `LoggingSystem.bootstrap`).
    public static func handler(label: String) -> any LogHandler {
        var handler = StandardErrorHandler()
        handler.logLevel = level
        return handler
    }

    /// The commands' logger (built with ``handler(label:)`` whatever `LoggingSystem` holds).
    public static let logger = Logger(label: "facedb", factory: handler(label:))

    /// The options of the database a command opens: its logger, read-only or not.
    static func options(readOnly: Bool = false, key: EncryptionKey? = nil) -> DatabaseOptions {
        DatabaseOptions(logger: logger, readOnly: readOnly, key: key)
    }

    /// The options of a command whose own output reports what the messages would (`check`, `repair`).
    static func silentOptions(readOnly: Bool = false, key: EncryptionKey? = nil) -> DatabaseOptions {
        DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: readOnly, key: key)
    }

    struct StandardErrorHandler: LogHandler {
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .notice

        func log(event: LogEvent) {
            var line = "facedb: "
            if event.level >= .warning { line += "\(event.level): " }
            line += event.message.description
            // The database's directory is left out: the command line names it.
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }.filter { $0.key != "database" }
            if !all.isEmpty {
                line += " (" + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}
