import FaceDBCore
import Foundation

/// Copies of the store for backups (`FaceDatabase.backup(to:)`).
extension FaceStore {
    /// Writes a consistent copy of the store to `directory` (which must not exist) and returns the
    /// sequence it holds.
    ///
    /// A store open for writing makes a RocksDB checkpoint, with no write in between (it holds the
    /// write lock): table files are hard-linked where the file system allows. A read-only store,
    /// including one read beside its writer, cannot checkpoint; its state does not move while it
    /// is open, so it is copied family by family, each into one table file that the copy ingests:
    /// the values as stored (sealed ones stay sealed, so an encrypted store is copied without its
    /// key), with the `meta` family's sequence, store id and counters.
    package func copy(to directory: String) throws -> UInt64 {
        if !isReadOnly {
            return try committed.withLock { counters in
                try db.checkpoint(to: directory)
                return counters.sequence
            }
        }
        let copy = try RocksDB(path: directory, mode: .readWrite(create: true))
        defer { copy.close() }
        let staging = directory + "/backup-staging"
        try PrivateFiles.makeDirectory(staging)
        for cf in ColumnFamily.allCases {
            let file = staging + "/\(cf.rawValue).sst"
            let writer = try copy.makeTableWriter(for: cf, path: file)
            try db.scanStored(cf) { key, value in
                try writer.put(Array(key), value)
                return true
            }
            // The faces copied must be the faces counted (see FaceDatabase.settleBesideWriter).
            if cf == .faces && writer.count != faceCount {
                throw FaceDBError(
                    .storageFailure, "The store holds \(writer.count) faces but counts \(faceCount); the copy was not finished.",
                    remedy: "Try again; if it persists, run `facedb check`.", path: path)
            }
            // An empty family stays empty: RocksDB refuses to finish a table file without entries.
            if writer.count > 0 {
                try writer.finish()
                try copy.ingest([file], into: cf)
            }
        }
        try? FileManager.default.removeItem(atPath: staging)
        try copy.flush()
        return sequence
    }
}
