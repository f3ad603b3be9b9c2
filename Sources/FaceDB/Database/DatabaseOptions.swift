import FaceDBCore
import FaceDBStorage
import Foundation
import Logging

/// How a ``FaceDatabase`` behaves at run time (nothing here is stored in the database).
public struct DatabaseOptions: Sendable {
    /// How far acknowledged writes are guaranteed to survive. Default: ``Durability/processCrash``.
    public var durability: Durability
    /// Write an index snapshot in the background once this many faces changed since the last one (and
    /// at least as many as are stored, so that a big import writes snapshots of doubling size, not
    /// the whole index over and over), as soon as writes pause for ``snapshotQuietPeriod``; writes
    /// that never pause get one when twice as many changed. Snapshots are also written by
    /// ``FaceDatabase/checkpoint()-8np0m`` and ``FaceDatabase/close()-7mkaf``. Until a snapshot is written, the
    /// change log covers the changes: a crash costs their replay at the next open (rebuilding the index
    /// from the store takes 4.5–12 s at 1M faces: "open without a snapshot" in BENCHMARKS.md).
    public var snapshotAfterChanges: Int
    /// How long, in seconds, writes must pause before a due background snapshot starts (default 0.25).
    /// Copying the index in the middle of a burst of writes would slow the burst down.
    public var snapshotQuietPeriod: Double
    /// Where maintenance messages go (swift-log): a rebuilt index (`warning`), a replayed change log
    /// and a tuned efSearch (`notice`), written snapshots (`info`), details (`debug`); failures that
    /// are retried or repaired (`warning`, `error`). Every message carries the metadata `database`
    /// (the directory) and, where it helps, counts and sequences.
    /// Default: ``standardErrorLogger`` (standard error, `notice` and above). An application that
    /// bootstrapped `LoggingSystem` passes `Logger(label: "facedb")`; ``silentLogger`` drops everything.
    public var logger: Logger
    /// Dimensions added to every metric the database records (swift-metrics, see ``FaceDatabase``),
    /// e.g. `[("database", "people")]` to tell apart several databases of one process. Default: none.
    public var metricsDimensions: [(String, String)]
    /// Open without writing anything under the database directory (default false): no index
    /// snapshot is written (a stale one is caught up or rebuilt in memory), no write-ahead log is
    /// flushed, so reading works on a full disk and beside a damaged store. Every write throws
    /// ``FaceDBError/Code/readOnly``. Several read-only handles may share a database. While a
    /// writer in another process has it open, a read-only handle reads beside it
    /// (``FaceDatabase/isBesideWriter``): it sees the writer's acknowledged writes as of the open.
    public var readOnly: Bool
    /// Bytes every write must leave free on the database's disk (default 64 MiB): a write, index
    /// snapshot or open for writing that would leave less is refused with
    /// ``FaceDBError/Code/diskFull`` before anything is written (see `RELIABILITY.md`).
    public var diskReserve: Int

    /// Who the entries of the audit trail name as the actor (``FaceDatabase/enableAuditTrail()``): a
    /// server passes the caller (an API key's name). nil: the process's user and program name.
    public var auditActor: String?

    /// The key of an encrypted database (`SECURITY.md`, "Encryption at rest"): given at create, the
    /// database is encrypted with it; an encrypted database opens only with it. nil: not encrypted.
    public var key: EncryptionKey?

    /// Options with the documented defaults.
    public init(
        durability: Durability = .processCrash, snapshotAfterChanges: Int = 100_000,
        snapshotQuietPeriod: Double = 0.25,
        logger: Logger = DatabaseOptions.standardErrorLogger,
        metricsDimensions: [(String, String)] = [],
        readOnly: Bool = false, diskReserve: Int = DiskSpace.defaultReserve, auditActor: String? = nil, key: EncryptionKey? = nil
    ) {
        self.auditActor = auditActor
        self.key = key
        self.readOnly = readOnly
        self.diskReserve = diskReserve
        self.durability = durability
        self.snapshotAfterChanges = snapshotAfterChanges
        self.snapshotQuietPeriod = snapshotQuietPeriod
        self.logger = logger
        self.metricsDimensions = metricsDimensions
    }

    /// The default logger: label `facedb`, level `notice`, written to standard error by swift-log's
    /// `StreamLogHandler` whatever `LoggingSystem` was bootstrapped with (never to standard output,
    /// which programs such as the `facedb` command keep for their results).
    public static let standardErrorLogger: Logger = {
        var logger = Logger(label: "facedb", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .notice
        return logger
    }()

    /// A logger that drops every message.
    public static let silentLogger = Logger(label: "facedb", factory: { _ in SwiftLogNoOpLogHandler() })
}
