import FaceDBCore
import Foundation

/// The source of truth: identities, faces, embeddings and metadata in RocksDB.
///
/// Every public write is one atomic RocksDB write batch that also bumps the store's change
/// ``sequence`` and, when faces come or go, appends an ``IndexChange`` to the change log, so the
/// derived vector index can always be brought up to date. Writes are serialized internally; reads
/// may run on any thread at any time.
public final class FaceStore: @unchecked Sendable {
    /// The RocksDB directory.
    public let path: String
    /// The embedding space fixed at creation.
    public let space: EmbeddingSpace
    /// How far acknowledged writes are guaranteed to survive.
    public let durability: Durability

    /// The store format version this code reads and writes (`Schemas/keyspace.md`).
    public static let formatVersion = Int(Keyspace.formatVersion)

    let db: RocksDB
    private let writeLock = NSLock()
    /// The committed counters. Guarded by `writeLock` (read by the bulk-load rollback, which runs under it or during open).
    private(set) var counters: Counters
    /// Identity ids known to be stored, so that bulk adds need not look them up again. Guarded by `writeLock`.
    private var knownIdentities = Set<String>()
    static let knownIdentityLimit = 1 << 20

    /// The database-wide counters, cached from the `meta` family.
    struct Counters {
        var sequence: UInt64
        var nextFaceID: Int64
        var identities: Int
        var faces: Int
        var logTruncatedThrough: UInt64
        var index: IndexConfiguration
    }

    private init(path: String, db: RocksDB, space: EmbeddingSpace, durability: Durability, counters: Counters) {
        self.path = path
        self.db = db
        self.space = space
        self.durability = durability
        self.counters = counters
    }

    // MARK: - Opening

    /// Creates a new, empty store at `path` (the directory must not hold a store yet).
    public static func create(
        at path: String, space: EmbeddingSpace, index: IndexConfiguration, durability: Durability = .processCrash
    ) throws -> FaceStore {
        try space.validate()
        try index.validate(dimension: space.dimension)
        if FileManager.default.fileExists(atPath: path + "/CURRENT") {
            throw FaceDBError(.databaseExists, "A store already exists at \(path).",
                              remedy: "Open it instead, or choose another directory.", path: path)
        }
        let db = try RocksDB(path: path, createIfMissing: true)
        let counters = Counters(sequence: 0, nextFaceID: 0, identities: 0, faces: 0, logTruncatedThrough: 0, index: index)
        let batch = db.makeBatch()
        batch.put(.meta, Keyspace.formatVersionKey, Keyspace.bigEndian(Keyspace.formatVersion))
        batch.put(.meta, Keyspace.spaceKey, try Keyspace.json(space))
        batch.put(.meta, Keyspace.createdKey, Keyspace.bigEndian(UInt64(Date().milliseconds)))
        let store = FaceStore(path: path, db: db, space: space, durability: durability, counters: counters)
        store.putCounters(counters, into: batch)
        batch.put(.meta, Keyspace.indexKey, try Keyspace.json(index))
        try db.write(batch, sync: true)
        return store
    }

    /// Opens an existing store.
    /// - Throws: `.notADatabase` when `path` holds no FaceDB store, `.unsupportedFormat` for a newer format.
    public static func open(at path: String, durability: Durability = .processCrash) throws -> FaceStore {
        guard FileManager.default.fileExists(atPath: path + "/CURRENT") else {
            throw FaceDBError(.notADatabase, "\(path) holds no FaceDB store.",
                              remedy: "Create a database first with `facedb create`.", path: path)
        }
        let db = try RocksDB(path: path, createIfMissing: false)
        guard let versionBytes = try db.get(.meta, Keyspace.formatVersionKey) else {
            throw FaceDBError(.notADatabase, "\(path) is a RocksDB database but not a FaceDB store.",
                              remedy: "Point FaceDB at a directory made by `facedb create`.", path: path)
        }
        let version = try Keyspace.uint32(bigEndian: versionBytes)
        guard version == Keyspace.formatVersion else {
            throw FaceDBError(.unsupportedFormat,
                              "The store at \(path) has format version \(version); this FaceDB reads version \(Keyspace.formatVersion).",
                              remedy: version > Keyspace.formatVersion ? "Upgrade FaceDB to open it." : "Migrate it with an older FaceDB.",
                              path: path)
        }
        func required(_ key: [UInt8]) throws -> [UInt8] {
            guard let v = try db.get(.meta, key) else {
                throw Keyspace.corrupt("meta key \(String(decoding: key, as: UTF8.self)) is missing")
            }
            return v
        }
        let space = try Keyspace.decodeJSON(EmbeddingSpace.self, try required(Keyspace.spaceKey), what: "the embedding space")
        let counters = Counters(
            sequence: try Keyspace.uint64(bigEndian: try required(Keyspace.sequenceKey)),
            nextFaceID: Int64(bitPattern: try Keyspace.uint64(bigEndian: try required(Keyspace.nextFaceIDKey))),
            identities: Int(try Keyspace.uint64(bigEndian: try required(Keyspace.identityCountKey))),
            faces: Int(try Keyspace.uint64(bigEndian: try required(Keyspace.faceCountKey))),
            logTruncatedThrough: try Keyspace.uint64(bigEndian: try required(Keyspace.logTruncatedThroughKey)),
            index: try Keyspace.decodeJSON(IndexConfiguration.self, try required(Keyspace.indexKey), what: "the index configuration"))
        let store = FaceStore(path: path, db: db, space: space, durability: durability, counters: counters)
        try store.rollBackBulkLoad()
        store.removeBulkLeftovers()
        return store
    }

    /// Flushes the memtables (so the next open need not replay the write-ahead log) and closes the
    /// store; using it afterwards traps. Idempotent.
    public func close() {
        writeLock.withLock {
            db.flushIfOpen()
            db.close()
        }
    }

    // MARK: - Counters

    private func putCounters(_ c: Counters, into batch: WriteBatch) {
        batch.put(.meta, Keyspace.sequenceKey, Keyspace.bigEndian(c.sequence))
        batch.put(.meta, Keyspace.nextFaceIDKey, Keyspace.bigEndian(UInt64(c.nextFaceID)))
        batch.put(.meta, Keyspace.identityCountKey, Keyspace.bigEndian(UInt64(c.identities)))
        batch.put(.meta, Keyspace.faceCountKey, Keyspace.bigEndian(UInt64(c.faces)))
        batch.put(.meta, Keyspace.logTruncatedThroughKey, Keyspace.bigEndian(c.logTruncatedThrough))
    }

    private var snapshot: Counters { writeLock.withLock { counters } }

    /// The change sequence: how many writes the store has committed.
    public var sequence: UInt64 { snapshot.sequence }
    /// The number of stored identities.
    public var identityCount: Int { snapshot.identities }
    /// The number of stored faces.
    public var faceCount: Int { snapshot.faces }
    /// The index configuration recorded in the store.
    public var indexConfiguration: IndexConfiguration { snapshot.index }
    /// The change log holds every change after this sequence.
    public var logTruncatedThrough: UInt64 { snapshot.logTruncatedThrough }

    /// Runs one write: `build` fills a batch given the current counters and returns the change to log;
    /// the counters, the log entry and the batch are then committed atomically.
    private func commit(_ build: (WriteBatch, inout Counters) throws -> IndexChange) throws -> UInt64 {
        try writeLock.withLock {
            var next = counters
            let batch = db.makeBatch()
            let change = try build(batch, &next)
            next.sequence += 1
            if !change.isEmpty { batch.put(.changeLog, Keyspace.bigEndian(next.sequence), Keyspace.encode(change)) }
            putCounters(next, into: batch)
            try db.write(batch, sync: durability == .powerLoss)
            counters = next
            return next.sequence
        }
    }

    // MARK: - Identities

    /// Adds an identity. - Throws: `.alreadyExists` if the id is taken.
    @discardableResult
    public func addIdentity(
        _ id: String, displayName: String? = nil, metadata: JSONValue = .emptyObject, galleries: [String] = []
    ) throws -> UInt64 {
        try Identity.validate(id: id)
        try Identity.validate(metadata: metadata)
        for g in galleries { try Identity.validate(id: g, what: "gallery name") }
        return try commit { batch, c in
            if try db.get(.identities, Keyspace.identityKey(id)) != nil {
                throw FaceDBError(.alreadyExists, "An identity with id '\(id)' already exists.",
                                  remedy: "Choose another id, or update the existing identity.", identity: id)
            }
            let now = Date().milliseconds
            let record = IdentityRecord(displayName: displayName, metadata: metadata, galleries: Array(Set(galleries)).sorted(),
                                        createdMs: now, updatedMs: now)
            batch.put(.identities, Keyspace.identityKey(id), try Keyspace.json(record))
            for g in record.galleries { batch.put(.galleryMembers, Keyspace.galleryMemberKey(g, id), []) }
            c.identities += 1
            return IndexChange()
        }
    }

    /// Changes an identity's display name, metadata or galleries (nil leaves a field as it is).
    @discardableResult
    public func updateIdentity(
        _ id: String, displayName: String?? = nil, metadata: JSONValue? = nil, galleries: [String]? = nil
    ) throws -> UInt64 {
        if let metadata { try Identity.validate(metadata: metadata) }
        for g in galleries ?? [] { try Identity.validate(id: g, what: "gallery name") }
        return try commit { batch, _ in
            guard var record = try identityRecord(id) else { throw FaceDBError.unknownIdentity(id) }
            if let displayName { record.displayName = displayName }
            if let metadata { record.metadata = metadata }
            if let galleries {
                let new = Array(Set(galleries)).sorted()
                for g in Set(record.galleries).subtracting(new) { batch.delete(.galleryMembers, Keyspace.galleryMemberKey(g, id)) }
                for g in Set(new).subtracting(record.galleries) { batch.put(.galleryMembers, Keyspace.galleryMemberKey(g, id), []) }
                record.galleries = new
            }
            record.updatedMs = Date().milliseconds
            batch.put(.identities, Keyspace.identityKey(id), try Keyspace.json(record))
            return IndexChange()
        }
    }

    /// Removes an identity with all its faces. Returns the removed face ids.
    @discardableResult
    public func removeIdentity(_ id: String) throws -> (faces: [FaceID], sequence: UInt64) {
        var removed: [FaceID] = []
        let seq = try commit { batch, c in
            guard let record = try identityRecord(id) else { throw FaceDBError.unknownIdentity(id) }
            knownIdentities.remove(id)
            removed = try faceIDs(of: id)
            for face in removed {
                batch.delete(.faces, Keyspace.faceKey(face))
            }
            let prefix = Keyspace.identityPrefix(id)
            batch.deleteRange(.identityFaces, from: prefix, to: Keyspace.prefixEnd(prefix))
            for g in record.galleries { batch.delete(.galleryMembers, Keyspace.galleryMemberKey(g, id)) }
            batch.delete(.identities, Keyspace.identityKey(id))
            c.identities -= 1
            c.faces -= removed.count
            return IndexChange(removed: removed.map(\.rawValue))
        }
        return (removed, seq)
    }

    /// The identity with `id`, or nil.
    public func identity(_ id: String) throws -> Identity? {
        guard let record = try identityRecord(id) else { return nil }
        return record.identity(id: id, faceCount: try faceIDs(of: id).count)
    }

    func identityRecord(_ id: String) throws -> IdentityRecord? {
        guard let bytes = try db.get(.identities, Keyspace.identityKey(id)) else { return nil }
        return try Keyspace.decodeJSON(IdentityRecord.self, bytes, what: "identity '\(id)'")
    }

    /// Identities whose id starts with `prefix`, in id order, at most `limit`.
    public func identities(prefix: String = "", limit: Int = .max) throws -> [Identity] {
        var ids: [String] = []
        let start = Array(prefix.utf8)
        try db.scan(.identities, from: start) { key, _ in
            guard key.starts(with: start), ids.count < limit else { return false }
            ids.append(String(decoding: key, as: UTF8.self))
            return true
        }
        return try ids.compactMap { try identity($0) }
    }

    /// The ids of the identities in any of `galleries`.
    public func members(ofGalleries galleries: [String]) throws -> Set<String> {
        var members = Set<String>()
        for g in galleries {
            let prefix = Array(g.utf8) + [0]
            try db.scan(.galleryMembers, from: prefix, to: Keyspace.prefixEnd(prefix)) { key, _ in
                members.insert(String(decoding: key.dropFirst(prefix.count), as: UTF8.self))
                return true
            }
        }
        return members
    }

    // MARK: - Faces

    /// What to do when a new face's caller-chosen id is already stored.
    public enum ExistingFacePolicy: Sendable {
        /// Refuse the whole write (the default).
        case fail
        /// Leave the stored face and skip the new one (idempotent re-imports).
        case skip
        /// Replace the stored face with the new one.
        case replace
    }

    /// The result of ``addFaces(_:createMissingIdentities:existing:)``.
    public struct AddedFaces: Sendable {
        /// Ids of the faces written, in input order (skipped faces are left out).
        public var ids: [FaceID]
        /// The identity of each written face, parallel to ``ids``.
        public var identities: [String]
        /// Their vectors as stored (normalized if the space says so), row-major.
        public var vectors: [Float]
        /// Ids of stored faces that were replaced.
        public var replaced: [FaceID]
        /// How many inputs were skipped because their id was already stored.
        public var skipped: Int
        /// The sequence of the write.
        public var sequence: UInt64
    }

    /// Every import mark stored (see ``ImportMark``), in key order. Marks of the earlier layout
    /// (`import/<size>-<hash>`, a bare row count) and values that do not decode are passed over:
    /// they only mean that an import starts from its first row.
    public func importMarks() throws -> [ImportMark] {
        var marks: [ImportMark] = []
        let prefix = Keyspace.importMarkPrefix
        try db.scan(.meta, from: prefix, to: Keyspace.prefixEnd(prefix)) { key, value in
            let name = String(decoding: key.dropFirst(prefix.count), as: UTF8.self)
            if let mark = Keyspace.importMark(key: name, value: value) { marks.append(mark) }
            return true
        }
        return marks
    }

    /// Adds faces in one atomic write. Every face is checked first; one bad face refuses the whole write.
    ///
    /// - Parameters:
    ///   - createMissingIdentities: create an identity (with no metadata) for unknown ids instead of failing.
    ///   - existing: what to do with caller-chosen ids that are already stored.
    ///   - mark: an import's progress, written in the same batch.
    public func addFaces(
        _ faces: [NewFace], createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail,
        mark: ImportMark? = nil
    ) throws -> AddedFaces {
        try addFaces(try PreparedFaces(faces, space: space), createMissingIdentities: createMissingIdentities,
                     existing: existing, mark: mark)
    }

    /// ``addFaces(_:createMissingIdentities:existing:mark:)`` for faces already prepared (possibly on
    /// another thread) for this store's space.
    ///
    /// - Parameter whileIngesting: work of the caller's to run on another thread while a bulk load
    ///   (see `FaceStore+BulkLoad.swift`) waits for the disk; it has ended when this returns. Not
    ///   run when the write is not a bulk load, or fails before its files are ingested (a bad file, an unknown identity).
    public func addFaces(
        _ faces: PreparedFaces, createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail,
        mark: ImportMark? = nil, whileIngesting: (@Sendable () -> Void)? = nil
    ) throws -> AddedFaces {
        precondition(faces.vectors.count == faces.count * space.dimension, "faces prepared for another space")
        var result = AddedFaces(ids: [], identities: [], vectors: [], replaced: [], skipped: 0, sequence: 0)
        var learned: [String] = []
        result.sequence = try commit { batch, c in
            let chosen = faces.ids.compactMap { $0 }
            guard Set(chosen).count == chosen.count else {
                throw FaceDBError(.invalidArgument, "The same face id appears twice in one write.", remedy: "Give each face a distinct id.")
            }
            let dim = space.dimension
            // A large write of faces that all get new ids is loaded as table files (see bulkLoad).
            let allNew = chosen.allSatisfy { $0.rawValue >= c.nextFaceID }
            // Ids assigned here start above every chosen id, so the two never collide.
            c.nextFaceID = max(c.nextFaceID, (chosen.map(\.rawValue).max() ?? -1) &+ 1)
            if let mark { batch.put(.meta, Keyspace.importMarkKey(mark.key), Keyspace.encode(mark)) }
            // Identities: all must exist unless they may be created.
            let known = knownIdentities
            let checkIdentities = { @Sendable [self] in
                try identitiesToCreate(faces, known: known, create: createMissingIdentities)
            }
            if allNew && faces.count >= Self.bulkLoadThreshold {
                let (change, identities) = try bulkLoad(faces, counters: &c, result: &result,
                                                        checking: checkIdentities, whileIngesting: whileIngesting)
                learned = identities.unknown
                try createIdentities(identities.missing, batch: batch, counters: &c)
                return change
            }
            let identities = try checkIdentities()
            learned = identities.unknown
            try createIdentities(identities.missing, batch: batch, counters: &c)
            // Caller-chosen ids: find those already stored.
            var stored: [FaceID: String] = [:]
            for (id, value) in zip(chosen, try db.multiGet(.faces, chosen.map(Keyspace.faceKey))) {
                if let value { stored[id] = try value.withUnsafeBytes { try FaceRecord.identity(decoding: $0, dimension: dim) } }
            }
            var change = IndexChange()
            for i in 0..<faces.count {
                let identity = faces.identities[i]
                let id: FaceID
                if let given = faces.ids[i] {
                    if let oldIdentity = stored[given] {
                        switch existing {
                        case .fail:
                            throw FaceDBError(.alreadyExists, "A face with id \(given) is already stored.",
                                              remedy: "Use another id, skip existing faces or replace them (--upsert).", faceID: given)
                        case .skip:
                            result.skipped += 1
                            continue
                        case .replace:
                            batch.delete(.identityFaces, Keyspace.identityFaceKey(oldIdentity, given))
                            change.removed.append(given.rawValue)
                            result.replaced.append(given)
                            c.faces -= 1
                        }
                    }
                    id = given
                } else {
                    id = FaceID(c.nextFaceID)
                    c.nextFaceID += 1
                }
                faces.withValue(i) { batch.put(.faces, Keyspace.faceKey(id), $0) }
                batch.put(.identityFaces, Keyspace.identityFaceKey(identity, id), [])
                result.ids.append(id)
                result.identities.append(identity)
                result.vectors.append(contentsOf: faces.vectors[(i * dim)..<((i + 1) * dim)])
                change.added.append(id.rawValue)
                c.faces += 1
            }
            return change
        }
        remember(learned)
        return result
    }

    /// The identities of `faces` that `known` (identities known to be stored) lacks, in key order, and
    /// those of them not stored either, which the write must create.
    /// - Throws: `.unknownIdentity` for the first missing one, by key, unless `create`.
    private func identitiesToCreate(
        _ faces: PreparedFaces, known: Set<String>, create: Bool
    ) throws -> (unknown: [String], missing: [String]) {
        // Filtered one by one (`subtracting` would walk a copy of the whole, large, known set),
        // known ones first: once a gallery's identities are known that is one lookup per face.
        // Taken in key order (`byIdentity`: repeats are neighbours), so that new identities' rows
        // enter the memtable in ascending order, which its skip list inserts fastest.
        var unknown: [String] = []
        for i in faces.byIdentity where faces.identities[i] != unknown.last && !known.contains(faces.identities[i]) {
            unknown.append(faces.identities[i])
        }
        let found = try db.multiGet(.identities, unknown.map(Keyspace.identityKey))
        var missing: [String] = []
        for (name, value) in zip(unknown, found) where value == nil {
            guard create else { throw FaceDBError.unknownIdentity(name) }
            missing.append(name)
        }
        return (unknown, missing)
    }

    /// Puts a new identity (no metadata) for each of `names` into `batch`.
    private func createIdentities(_ names: [String], batch: WriteBatch, counters c: inout Counters) throws {
        guard !names.isEmpty else { return }
        let now = Date().milliseconds
        // Every identity created by one write has the same record: encoded once.
        let record = try Keyspace.json(IdentityRecord(displayName: nil, metadata: .emptyObject, galleries: [], createdMs: now, updatedMs: now))
        for name in names { batch.put(.identities, Keyspace.identityKey(name), record) }
        c.identities += names.count
    }

    /// Records identities known to be stored after a committed write (bounded; cleared when full).
    private func remember(_ names: [String]) {
        writeLock.withLock {
            if knownIdentities.count + names.count > Self.knownIdentityLimit { knownIdentities.removeAll() }
            knownIdentities.formUnion(names)
        }
    }

    /// Removes faces in one atomic write. - Throws: `.unknownFace` if any id is not stored (nothing is removed).
    @discardableResult
    public func removeFaces(_ ids: [FaceID]) throws -> UInt64 {
        try commit { batch, c in
            let unique = Array(Set(ids))
            let records = try db.multiGet(.faces, unique.map(Keyspace.faceKey))
            for (id, value) in zip(unique, records) {
                guard let value else { throw FaceDBError.unknownFace(id) }
                let owner = try value.withUnsafeBytes { try FaceRecord.identity(decoding: $0, dimension: space.dimension) }
                batch.delete(.faces, Keyspace.faceKey(id))
                batch.delete(.identityFaces, Keyspace.identityFaceKey(owner, id))
            }
            c.faces -= unique.count
            return IndexChange(removed: unique.map(\.rawValue))
        }
    }

    /// The face with `id`, or nil.
    public func face(_ id: FaceID) throws -> Face? {
        guard let value = try db.get(.faces, Keyspace.faceKey(id)) else { return nil }
        let record = try FaceRecord(decoding: value, dimension: space.dimension)
        return Face(id: id, identity: record.identity, embedding: record.vector, source: record.details?.source,
                    metadata: record.details?.metadata, created: Date(milliseconds: record.createdMs))
    }

    /// The ids of an identity's faces, ascending.
    public func faceIDs(of identity: String) throws -> [FaceID] {
        let prefix = Keyspace.identityPrefix(identity)
        var ids: [FaceID] = []
        try db.scan(.identityFaces, from: prefix, to: Keyspace.prefixEnd(prefix)) { key, _ in
            ids.append(try Keyspace.faceID(fromKey: UnsafeRawBufferPointer(rebasing: key[prefix.count...])))
            return true
        }
        return ids
    }

    /// The stored vectors of `ids` (nil where a face is not stored), in one batched read.
    public func vectors(_ ids: [Int64]) throws -> [[Float]?] {
        try db.multiGet(.faces, ids.map { Keyspace.faceKey(FaceID($0)) }).map { value in
            try value?.withUnsafeBytes { try FaceRecord.vector(decoding: $0, dimension: space.dimension) }
        }
    }

    /// The identities owning `ids` (nil where a face is not stored), in one batched read.
    public func owners(_ ids: [Int64]) throws -> [String?] {
        try db.multiGet(.faces, ids.map { Keyspace.faceKey(FaceID($0)) }).map { value in
            try value?.withUnsafeBytes { try FaceRecord.identity(decoding: $0, dimension: space.dimension) }
        }
    }

    /// Calls `body` with every stored vector in face-id order, `batchSize` at a time (ids, row-major vectors).
    public func forEachVector(batchSize: Int = 16_384, _ body: ([Int64], [Float]) throws -> Void) throws {
        var ids: [Int64] = []
        var vectors: [Float] = []
        let dim = space.dimension
        try db.scan(.faces) { key, value in
            ids.append(try Keyspace.faceID(fromKey: key).rawValue)
            let range = try FaceRecord.layout(value, dimension: dim).vector
            vectors.append(contentsOf: try Keyspace.decodeVector(UnsafeRawBufferPointer(rebasing: value[range]), dimension: dim))
            if ids.count == batchSize {
                try body(ids, vectors)
                ids.removeAll(keepingCapacity: true)
                vectors.removeAll(keepingCapacity: true)
            }
            return true
        }
        if !ids.isEmpty { try body(ids, vectors) }
    }

    /// Calls `body` with every stored face in face-id order, as of the start of the call (writes
    /// made meanwhile are not seen); `body` returns false to stop.
    public func forEachFace(_ body: (Face) throws -> Bool) throws {
        let dim = space.dimension
        try db.scan(.faces) { key, value in
            let id = try Keyspace.faceID(fromKey: key)
            let record = try FaceRecord(decoding: value, dimension: dim)
            return try body(Face(id: id, identity: record.identity, embedding: record.vector, source: record.details?.source,
                                 metadata: record.details?.metadata, created: Date(milliseconds: record.createdMs)))
        }
    }

    // MARK: - Index bookkeeping

    /// The logged changes after `sequence`, in order; nil when the log no longer reaches back that far.
    public func changes(after sequence: UInt64) throws -> [(sequence: UInt64, change: IndexChange)]? {
        guard sequence >= logTruncatedThrough else { return nil }
        var out: [(UInt64, IndexChange)] = []
        try db.scan(.changeLog, from: Keyspace.bigEndian(sequence + 1)) { key, value in
            out.append((try Keyspace.uint64(bigEndian: key), try Keyspace.decodeChange(value)))
            return true
        }
        return out
    }

    /// Drops change-log entries up to and including `sequence` (after an index snapshot reflecting it was saved).
    public func truncateChangeLog(through sequence: UInt64) throws {
        try writeLock.withLock {
            guard sequence > counters.logTruncatedThrough else { return }
            let batch = db.makeBatch()
            batch.deleteRange(.changeLog, from: Keyspace.bigEndian(UInt64(0)), to: Keyspace.bigEndian(sequence + 1))
            var next = counters
            next.logTruncatedThrough = sequence
            putCounters(next, into: batch)
            try db.write(batch, sync: durability == .powerLoss)
            counters = next
        }
    }

    /// Records a new index configuration (after the caller rebuilt the index).
    @discardableResult
    public func setIndexConfiguration(_ index: IndexConfiguration) throws -> UInt64 {
        try index.validate(dimension: space.dimension)
        return try commit { batch, c in
            batch.put(.meta, Keyspace.indexKey, try Keyspace.json(index))
            c.index = index
            return IndexChange()
        }
    }

    /// The stored calibration document (JSON, `Schemas/calibration.schema.json`), or nil.
    public func calibrationDocument() throws -> [UInt8]? {
        try db.get(.meta, Keyspace.calibrationKey)
    }

    /// The JSON list of the photo pipeline's models (`pipeline-models.schema.json`), if photos were enrolled.
    public func pipelineModelsDocument() throws -> [UInt8]? {
        try db.get(.meta, Keyspace.pipelineModelsKey)
    }

    /// Records the photo pipeline's models in one atomic write.
    @discardableResult
    public func setPipelineModelsDocument(_ json: [UInt8]) throws -> UInt64 {
        try commit { batch, _ in
            batch.put(.meta, Keyspace.pipelineModelsKey, json)
            return IndexChange()
        }
    }

    /// Stores (or with nil, removes) the calibration document in one atomic write.
    @discardableResult
    public func setCalibrationDocument(_ json: [UInt8]?) throws -> UInt64 {
        try commit { batch, _ in
            if let json { batch.put(.meta, Keyspace.calibrationKey, json) } else { batch.delete(.meta, Keyspace.calibrationKey) }
            return IndexChange()
        }
    }

    /// Flushes RocksDB's memtables to disk.
    public func flush() throws { try db.flush() }
}

extension FaceStore {
    /// Every stored face id, ascending.
    public func allFaceIDs() throws -> [FaceID] {
        var ids: [FaceID] = []
        try db.scan(.faces) { key, _ in
            ids.append(try Keyspace.faceID(fromKey: key))
            return true
        }
        return ids
    }

}

extension FaceStore {
    /// Every identity id with its face ids, in id order (reads only the `identity_faces` keys).
    public func facesByIdentity() throws -> [(identity: String, faces: [FaceID])] {
        var out: [(String, [FaceID])] = []
        try forEachIdentityFaces { identity, faces in
            out.append((identity, faces.map { FaceID($0) }))
            return true
        }
        return out
    }
}

extension FaceStore {
    /// Calls `body` with each identity and its face ids, in identity order, until it returns false
    /// (reads only the `identity_faces` keys).
    public func forEachIdentityFaces(_ body: (String, [Int64]) -> Bool) throws {
        var current: String?
        var faces: [Int64] = []
        var going = true
        try db.scan(.identityFaces) { key, _ in
            guard let nul = key.firstIndex(of: 0), key.count == nul + 9 else { throw Keyspace.corrupt("an identity_faces key is malformed") }
            let identity = String(decoding: UnsafeRawBufferPointer(rebasing: key[..<nul]), as: UTF8.self)
            let face = try Keyspace.faceID(fromKey: UnsafeRawBufferPointer(rebasing: key[(nul + 1)...])).rawValue
            if identity != current {
                if let current { going = body(current, faces) }
                current = identity
                faces.removeAll(keepingCapacity: true)
            }
            faces.append(face)
            return going
        }
        if going, let current { _ = body(current, faces) }
    }
}
