import FaceDBCore
import Foundation

/// Reads whatever is readable from a damaged store: the reading half of `FaceDatabase.repair`.
///
/// Always opened on a *copy* of the damaged store (``Leniency/repairDB`` rewrites the directory it is
/// given), and never for writing. Reads do not stop at the first damaged row or block: each
/// value is decoded on its own, and a scan of the `faces` family that hits an unreadable block is
/// resumed past it (see ``forEachFace(below:_:undecodable:skipped:)``).
package final class StoreSalvage: @unchecked Sendable {
    /// How leniently the store was opened, from the strictest to the last resort.
    package enum Leniency: String, Codable, Sendable, CaseIterable {
        /// RocksDB's normal read-only open, as FaceDB opens a store read-only (the log may only have a torn last record).
        case readOnly = "read-only"
        /// Read-only, the write-ahead log replayed up to its first damaged record (point-in-time
        /// recovery; every write after it is dropped), paranoid checks off.
        case pointInTime = "point-in-time"
        /// `rocksdb_repair_db` run on the copy (a new MANIFEST from the table and log files found),
        /// then opened as leniently as for ``pointInTime`` (for writing, so that families without a
        /// table file are created empty; nothing is written through it).
        case repairDB = "repair-db"
    }

    /// A run of face ids a scan could not read: an unreadable block of the `faces` family.
    package struct SkippedFaces: Sendable {
        /// The first face id that may have been lost.
        package var first: Int64
        /// The last face id that may have been lost; nil when that is the end of the family and no
        /// committed bound (`next_face_id`) is known.
        package var last: Int64?
        /// The error the scan hit.
        package var cause: FaceDBError
    }

    /// How leniently the store was opened.
    package let leniency: Leniency
    let db: RocksDB

    private init(db: RocksDB, leniency: Leniency) {
        self.db = db
        self.leniency = leniency
    }

    /// Opens the store copy at `path` with `leniency`; an encrypted store needs its `key`.
    /// - Throws: the RocksDB error that refused the open (`.corruption`, `.io`, ...); `.keyRequired`
    ///   or `.wrongKey` for an encrypted store without its key.
    package static func open(copyAt path: String, leniency: Leniency, key: EncryptionKey? = nil) throws -> StoreSalvage {
        let db: RocksDB
        switch leniency {
        case .readOnly:
            db = try RocksDB(path: path, mode: .readOnly)
        case .pointInTime:
            db = try RocksDB(path: path, mode: .salvage)
        case .repairDB:
            try RocksDB.repair(path: path)
            db = try RocksDB(path: path, mode: .salvageRepaired)
        }
        let storeID = (try? db.get(.meta, Keyspace.storeIDKey)) ?? nil
        if let dataKey = try FaceStore.dataKey(in: db, key: key, storeID: storeID ?? []) {
            db.encryptValues(with: DataCipher(key: dataKey))
        }
        return StoreSalvage(db: db, leniency: leniency)
    }

    /// Closes the store. Idempotent.
    package func close() { db.close() }

    /// The cipher of an encrypted store's data key (nil when not encrypted).
    package var dataCipher: DataCipher? { db.cipher }

    // MARK: - Meta

    private func meta(_ key: [UInt8]) throws -> [UInt8]? { try db.get(.meta, key) }

    private func integer(_ key: [UInt8]) throws -> UInt64? {
        try meta(key).map { try Keyspace.uint64(bigEndian: $0) }
    }

    /// The store's format version, or nil when the key is missing.
    package func formatVersion() throws -> Int? {
        try meta(Keyspace.formatVersionKey).map { Int(try Keyspace.uint32(bigEndian: $0)) }
    }

    /// The embedding space, or nil when the key is missing.
    package func space() throws -> EmbeddingSpace? {
        try meta(Keyspace.spaceKey).map { try Keyspace.decodeJSON(EmbeddingSpace.self, $0, what: "the embedding space") }
    }

    /// The index configuration, or nil when the key is missing.
    package func indexConfiguration() throws -> IndexConfiguration? {
        try meta(Keyspace.indexKey).map { try Keyspace.decodeJSON(IndexConfiguration.self, $0, what: "the index configuration") }
    }

    /// The calibration document (JSON), or nil.
    package func calibrationDocument() throws -> [UInt8]? { try meta(Keyspace.calibrationKey) }

    /// The photo pipeline's models document (JSON), or nil.
    package func pipelineModelsDocument() throws -> [UInt8]? { try meta(Keyspace.pipelineModelsKey) }

    /// The store's 16-byte id, or nil when missing.
    package func storeID() throws -> [UInt8]? { try meta(Keyspace.storeIDKey) }

    /// The `face_count` counter, or nil when missing.
    package func faceCount() throws -> Int? { try integer(Keyspace.faceCountKey).map { Int(clamping: $0) } }

    /// The `identity_count` counter, or nil when missing.
    package func identityCount() throws -> Int? { try integer(Keyspace.identityCountKey).map { Int(clamping: $0) } }

    /// The `next_face_id` counter, or nil when missing.
    package func nextFaceID() throws -> Int64? { try integer(Keyspace.nextFaceIDKey).map { Int64(bitPattern: $0) } }

    /// The change sequence, or nil when missing.
    package func sequence() throws -> UInt64? { try integer(Keyspace.sequenceKey) }

    // MARK: - Identities

    /// Calls `body` with each identity record that decodes, in id order (face counts are 0), and
    /// `undecodable` with the id of each that does not. A scan that hits an unreadable block stops
    /// there; its error is returned (the identities after it are not read).
    /// - Throws: only what `body` throws.
    package func forEachIdentity(_ body: (Identity) throws -> Void, undecodable: (String) -> Void) throws -> FaceDBError? {
        var bodyError: (any Error)?
        do {
            try db.scan(.identities) { key, value in
                let id = String(decoding: key, as: UTF8.self)
                guard let record = try? Keyspace.decodeJSON(IdentityRecord.self, value, what: "identity '\(id)'") else {
                    undecodable(id)
                    return true
                }
                do { try body(record.identity(id: id, faceCount: 0)) } catch {
                    bodyError = error
                    return false
                }
                return true
            }
        } catch let error as FaceDBError {
            if let bodyError { throw bodyError }
            return error
        }
        if let bodyError { throw bodyError }
        return nil
    }

    // MARK: - Faces

    /// Calls `body` with each face row that decodes, in id order, below `end` (the committed
    /// `next_face_id`, when known), and `undecodable` with the key (a face id, or hex for a malformed
    /// key) of each that does not.
    ///
    /// A scan that hits an unreadable block is resumed past it: it seeks again at increasing ids
    /// (the last id read + 1, + 2, + 4, … doubling) until the iterator reads again, then narrows the
    /// gap by bisection to the lowest id it can read from; `skipped` is called with the run of ids
    /// passed over.
    /// - Throws: only what `body` throws.
    package func forEachFace(
        below end: Int64?, _ body: (Face) throws -> Void, undecodable: (String) -> Void, skipped: (SkippedFaces) -> Void
    ) throws {
        let dimension = try space()?.dimension
        let upper = end.map { Keyspace.faceKey(FaceID($0)) }
        var position: Int64? = 0
        while let start = position {
            var lastSeen: Int64?
            var bodyError: (any Error)?
            do {
                try db.scan(.faces, from: Keyspace.faceKey(FaceID(start)), to: upper) { key, value in
                    guard key.count == 8, let id = try? Keyspace.faceID(fromKey: key) else {
                        undecodable(key.map { String(format: "%02x", $0) }.joined())
                        return true
                    }
                    lastSeen = id.rawValue
                    guard let dimension, let record = try? FaceRecord(decoding: value, dimension: dimension) else {
                        undecodable(id.description)
                        return true
                    }
                    do {
                        try body(
                            Face(
                                id: id, identity: record.identity, embedding: record.vector, source: record.details?.source,
                                metadata: record.details?.metadata, created: Date(milliseconds: record.createdMs)))
                    } catch {
                        bodyError = error
                        return false
                    }
                    return true
                }
                if let bodyError { throw bodyError }
                position = nil
            } catch let error as FaceDBError where bodyError == nil {
                let after = lastSeen ?? (start - 1)
                var resume = resumePoint(after: after, end: end, upper: upper)
                // Always onwards, even if a seek that read a moment ago fails now.
                if let r = resume, r <= start { resume = start < Int64.max ? start + 1 : nil }
                skipped(SkippedFaces(first: after + 1, last: resume.map { $0 - 1 } ?? end.map { $0 - 1 }, cause: error))
                position = resume
            }
        }
    }

    /// What a seek at a face id finds.
    private enum Probe { case row, end, error }

    private func probe(_ id: Int64, upper: [UInt8]?) -> Probe {
        var found = false
        do {
            try db.scan(.faces, from: Keyspace.faceKey(FaceID(id)), to: upper) { _, _ in
                found = true
                return false
            }
        } catch {
            return .error
        }
        return found ? .row : .end
    }

    /// The lowest face id above `after` from which the faces can be read again, or nil when the
    /// family cannot be read on to its end (or holds nothing more).
    private func resumePoint(after: Int64, end: Int64?, upper: [UInt8]?) -> Int64? {
        let limit = end ?? Int64.max
        var failed = after
        var step: Int64 = 1
        while true {
            let (candidate, overflow) = after.addingReportingOverflow(step)
            let at = overflow ? limit : min(candidate, limit)
            if at >= limit { return nil }
            switch probe(at, upper: upper) {
            case .error:
                failed = at
                step = step > Int64.max / 2 ? Int64.max : step * 2
                continue
            case .end:
                return nil
            case .row:
                // Narrow (failed, at] to the lowest id a seek can read from, so that no readable
                // row of the block after the damage is passed over.
                var low = failed
                var high = at
                while high - low > 1 {
                    let mid = low + (high - low) / 2
                    if probe(mid, upper: upper) == .error { low = mid } else { high = mid }
                }
                return high
            }
        }
    }
}
