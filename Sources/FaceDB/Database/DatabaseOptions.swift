import FaceDBCore
import FaceDBStorage
import Foundation

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
    /// Where maintenance messages go ("rebuilding the index from the store ..."). Default: standard error.
    public var log: @Sendable (String) -> Void
    /// Open without writing anything under the database directory (default false): no index
    /// snapshot is written (a stale one is caught up or rebuilt in memory), no write-ahead log is
    /// flushed, so reading works on a full disk and beside a damaged store. Every write throws
    /// ``FaceDBError/Code/readOnly``. Several read-only handles may share a database; none can
    /// while a writer has it open.
    public var readOnly: Bool
    /// Bytes every write must leave free on the database's disk (default 64 MiB): a write, index
    /// snapshot or open for writing that would leave less is refused with
    /// ``FaceDBError/Code/diskFull`` before anything is written (see `RELIABILITY.md`).
    public var diskReserve: Int

    /// Options with the documented defaults.
    public init(
        durability: Durability = .processCrash, snapshotAfterChanges: Int = 100_000,
        snapshotQuietPeriod: Double = 0.25,
        log: @escaping @Sendable (String) -> Void = DatabaseOptions.standardErrorLog,
        readOnly: Bool = false, diskReserve: Int = DiskSpace.defaultReserve
    ) {
        self.readOnly = readOnly
        self.diskReserve = diskReserve
        self.durability = durability
        self.snapshotAfterChanges = snapshotAfterChanges
        self.snapshotQuietPeriod = snapshotQuietPeriod
        self.log = log
    }

    /// Writes `facedb: <message>` to standard error.
    public static let standardErrorLog: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("facedb: \(message)\n".utf8))
    }
}
