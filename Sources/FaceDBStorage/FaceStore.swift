import FaceDBCore
import Foundation
import Synchronization

/// The source of truth: identities, faces, embeddings and metadata in RocksDB.
///
/// Every write is one atomic RocksDB write batch that also bumps the store's change
/// ``sequence`` and, when faces come or go, appends an ``IndexChange`` to the change log, so the
/// derived vector index can always be brought up to date. Writes are serialized internally; reads
/// may run on any thread at any time.
package final class FaceStore: @unchecked Sendable {
    /// The RocksDB directory.
    package let path: String
    /// The embedding space fixed at creation.
    package let space: EmbeddingSpace
    /// How far acknowledged writes are guaranteed to survive.
    package let durability: Durability
    /// Which store this is: 16 random bytes made at create (for stores made before it existed, at
    /// their first open for writing; all zeros if that open was read-only).
    package let storeID: [UInt8]
    /// Bytes a write must leave free on the store's disk (see `DiskSpace`).
    package let diskReserve: Int
    /// Whether the store was opened read-only: writes throw ``FaceDBError/Code/readOnly``.
    package var isReadOnly: Bool { db.isReadOnly }
    /// The directory RocksDB keeps a secondary's own files in while the store is read beside its
    /// writer (removed at close); nil otherwise.
    package let secondaryScratch: String?
    /// Whether the store is read beside a writer in another process.
    package var isBesideWriter: Bool { secondaryScratch != nil }

    /// The store format version this code reads and writes (`Schemas/keyspace.md`).
    package static let formatVersion = Int(Keyspace.formatVersion)

    let db: RocksDB
    /// The committed counters, behind the lock that serializes writes: it is held through each whole
    /// write, from reading the counters to committing the batch that updates them, and while the
    /// store closes. Not reentrant: nothing that runs under it reads the counters through it again.
    let committed: Mutex<Counters>
    /// Identity ids known to be stored, so that bulk adds need not look them up again. Taken after
    /// `committed` when both are held, never before.
    private let knownIdentities = Mutex(Set<String>())
    static let knownIdentityLimit = 1 << 20

    /// The database-wide counters, cached from the `meta` family.
    struct Counters {
        var sequence: UInt64
        var nextFaceID: Int64
        var identities: Int
        var faces: Int
        var logTruncatedThrough: UInt64
        var index: IndexConfiguration
        /// The digest of every stored vector.
        var digest: VectorDigest
    }

    private init(
        path: String, db: RocksDB, space: EmbeddingSpace, durability: Durability, counters: Counters,
        storeID: [UInt8], diskReserve: Int, secondaryScratch: String? = nil
    ) {
        self.secondaryScratch = secondaryScratch
        self.path = path
        self.db = db
        self.space = space
        self.durability = durability
        self.committed = Mutex(counters)
        self.storeID = storeID
        self.diskReserve = diskReserve
    }

    // MARK: - Opening

    /// Creates a new, empty store at `path` (the directory must not hold a store yet).
    /// With `key`, the store is encrypted (see `FaceStore+Encryption.swift`).
    package static func create(
        at path: String, space: EmbeddingSpace, index: IndexConfiguration, durability: Durability = .processCrash,
        diskReserve: Int = DiskSpace.defaultReserve, key: EncryptionKey? = nil
    ) throws -> FaceStore {
        try space.validate()
        try index.validate(dimension: space.dimension)
        if FileManager.default.fileExists(atPath: path + "/CURRENT") {
            throw FaceDBError(
                .databaseExists, "A store already exists at \(path).",
                remedy: "Open it instead, or choose another directory.", path: path)
        }
        try DiskSpace.require(1 << 20, reserve: diskReserve, at: path, for: "a new store")
        let db = try RocksDB(path: path, mode: .readWrite(create: true))
        let counters = Counters(
            sequence: 0, nextFaceID: 0, identities: 0, faces: 0, logTruncatedThrough: 0, index: index,
            digest: VectorDigest())
        let storeID = Self.newStoreID()
        let batch = db.makeBatch()
        if let key {
            let dataKey = Self.newDataKey()
            batch.put(.meta, Keyspace.encryptionKey, try Self.encryptionRecord(dataKey: dataKey, wrappedBy: key, storeID: storeID))
            db.encryptValues(with: DataCipher(key: dataKey))
        }
        batch.put(.meta, Keyspace.formatVersionKey, Keyspace.bigEndian(Keyspace.formatVersion))
        batch.put(.meta, Keyspace.spaceKey, try Keyspace.json(space))
        batch.put(.meta, Keyspace.createdKey, Keyspace.bigEndian(UInt64(Date().milliseconds)))
        batch.put(.meta, Keyspace.storeIDKey, storeID)
        let store = FaceStore(
            path: path, db: db, space: space, durability: durability, counters: counters,
            storeID: storeID, diskReserve: diskReserve)
        store.putCounters(counters, into: batch)
        batch.put(.meta, Keyspace.indexKey, try Keyspace.json(index))
        try db.write(batch, sync: true)
        return store
    }

    /// 16 random bytes.
    static func newStoreID() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Opens an existing store.
    ///
    /// - Parameters:
    ///   - readOnly: open without writing anything under `path` (see ``RocksDB/Mode/readOnly``): for
    ///     reading on a full disk or beside a damaged store; every write then throws `.readOnly`.
    ///   - besideWriter: read-only beside a writer in another process (``RocksDB/Mode/secondary(scratch:)``):
    ///     the state is the writer's acknowledged writes as of the open.
    ///   - diskReserve: bytes every write must leave free (see ``diskReserve``).
    /// - Throws: `.notADatabase` when `path` holds no FaceDB store, `.unsupportedFormat` for a newer
    ///   format, `.corruption` for a damaged store (nothing is changed then), `.diskFull` when a
    ///   read-write open has no room to recover.
    package static func open(
        at path: String, durability: Durability = .processCrash, readOnly: Bool = false, besideWriter: Bool = false,
        diskReserve: Int = DiskSpace.defaultReserve, key: EncryptionKey? = nil
    ) throws -> FaceStore {
        let readOnly = readOnly || besideWriter
        guard FileManager.default.fileExists(atPath: path + "/CURRENT") else {
            throw FaceDBError(
                .notADatabase, "\(path) holds no FaceDB store.",
                remedy: "Create a database first with `facedb create`.", path: path)
        }
        if !readOnly {
            // Opening for writing replays the write-ahead logs into new table files: room for them first.
            try DiskSpace.require(Self.writeAheadLogBytes(path), reserve: diskReserve, at: path, for: "opening the store for writing")
        }
        var scratch: String?
        if besideWriter {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facedb-reader-\(UUID().uuidString)").path
            try PrivateFiles.makeDirectory(directory)
            scratch = directory
        }
        let db: RocksDB
        do {
            db = try RocksDB(path: path, mode: scratch.map { .secondary(scratch: $0) } ?? (readOnly ? .readOnly : .readWrite(create: false)))
        } catch {
            if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
            throw error
        }
        do {
            return try finishOpening(db, at: path, durability: durability, readOnly: readOnly, diskReserve: diskReserve, key: key, scratch: scratch)
        } catch {
            db.close()
            if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
            throw error
        }
    }

    /// The counters recorded in `meta`.
    static func readCounters(_ db: RocksDB) throws -> Counters {
        func required(_ key: [UInt8]) throws -> [UInt8] {
            guard let v = try db.get(.meta, key) else {
                throw Keyspace.corrupt("meta key \(String(decoding: key, as: UTF8.self)) is missing")
            }
            return v
        }
        let counters = Counters(
            sequence: try Keyspace.uint64(bigEndian: try required(Keyspace.sequenceKey)),
            nextFaceID: Int64(bitPattern: try Keyspace.uint64(bigEndian: try required(Keyspace.nextFaceIDKey))),
            identities: Int(try Keyspace.uint64(bigEndian: try required(Keyspace.identityCountKey))),
            faces: Int(try Keyspace.uint64(bigEndian: try required(Keyspace.faceCountKey))),
            logTruncatedThrough: try Keyspace.uint64(bigEndian: try required(Keyspace.logTruncatedThroughKey)),
            index: try Keyspace.decodeJSON(IndexConfiguration.self, try required(Keyspace.indexKey), what: "the index configuration"),
            digest: VectorDigest(value: try db.get(.meta, Keyspace.vectorsDigestKey).map { try Keyspace.uint64(bigEndian: $0) } ?? 0))
        guard counters.nextFaceID >= 0 else {
            throw Keyspace.corrupt("next_face_id is negative (\(counters.nextFaceID))")
        }
        return counters
    }

    /// A store read beside its writer: its view moved up to the writer's latest acknowledged
    /// writes (RocksDB's catch-up with the primary), its counters read again. Nothing for a store
    /// that is not read beside a writer.
    package func catchUpWithWriter() throws {
        guard isBesideWriter else { return }
        try committed.withLock { counters in
            try db.catchUpWithPrimary()
            counters = try Self.readCounters(db)
        }
        knownIdentities.withLock { $0.removeAll() }
    }

    /// Checks and loads an opened store's records (``open(at:durability:readOnly:besideWriter:diskReserve:key:)``).
    private static func finishOpening(
        _ db: RocksDB, at path: String, durability: Durability, readOnly: Bool, diskReserve: Int, key: EncryptionKey?, scratch: String?
    ) throws -> FaceStore {
        guard let versionBytes = try db.get(.meta, Keyspace.formatVersionKey) else {
            throw FaceDBError(
                .notADatabase, "\(path) is a RocksDB database but not a FaceDB store.",
                remedy: "Point FaceDB at a directory made by `facedb create`.", path: path)
        }
        let version = try Keyspace.uint32(bigEndian: versionBytes)
        guard version == Keyspace.formatVersion else {
            throw FaceDBError(
                .unsupportedFormat,
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
        let counters = try readCounters(db)
        let storedID = try db.get(.meta, Keyspace.storeIDKey)
        guard storedID == nil || storedID?.count == 16 else { throw Keyspace.corrupt("store_id has \(storedID!.count) bytes, not 16") }
        // Before anything reads a face or identity: an encrypted store needs its data key.
        if let dataKey = try Self.dataKey(in: db, key: key, storeID: storedID ?? []) {
            db.encryptValues(with: DataCipher(key: dataKey))
        }
        let hasDigest = try db.get(.meta, Keyspace.vectorsDigestKey) != nil
        let store = FaceStore(
            path: path, db: db, space: space, durability: durability, counters: counters,
            storeID: storedID ?? (readOnly ? [UInt8](repeating: 0, count: 16) : newStoreID()),
            diskReserve: diskReserve, secondaryScratch: scratch)
        if !readOnly {
            try store.rollBackBulkLoad(committedNextFaceID: counters.nextFaceID)
            store.removeBulkLeftovers()
        }
        if !hasDigest || storedID == nil {
            // A store made before these records existed: the digest is worked out once from every
            // vector (and, when writable, stored with a store id).
            try store.adoptMissingRecords(storeID: storedID == nil && !readOnly ? store.storeID : nil, computeDigest: !hasDigest)
        }
        return store
    }

    /// The committed sequence and store id of the store at `path`, read by opening it read-only (nothing
    /// under `path` is written): what the store holds, looked at before opening it for writing.
    /// The id is all zeros for a store made before ids existed.
    package static func peek(at path: String) throws -> (sequence: UInt64, storeID: [UInt8]) {
        let db = try RocksDB(path: path, mode: .readOnly)
        defer { db.close() }
        guard let sequence = try db.get(.meta, Keyspace.sequenceKey) else {
            throw Keyspace.corrupt("meta key sequence is missing")
        }
        return (try Keyspace.uint64(bigEndian: sequence), try db.get(.meta, Keyspace.storeIDKey) ?? [UInt8](repeating: 0, count: 16))
    }

    /// The bytes of the write-ahead logs in `path` (what opening for writing may flush to table files).
    static func writeAheadLogBytes(_ path: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".log") }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    /// Computes the vector digest by a scan when asked, and stores it (and `storeID` when given) in
    /// one write unless the store is read-only.
    private func adoptMissingRecords(storeID: [UInt8]?, computeDigest: Bool) throws {
        // The scan runs before the lock is taken: it reads the committed counters through it (the
        // end of the committed faces). Nothing else uses the store yet: this runs while it opens.
        var digest: VectorDigest?
        if computeDigest {
            var sum = VectorDigest()
            try forEachVector { ids, vectors in sum.add(ids: ids, vectors: vectors, dimension: space.dimension) }
            digest = sum
        }
        try committed.withLock { counters in
            if let digest { counters.digest = digest }
            guard !db.isReadOnly else { return }
            let batch = db.makeBatch()
            if computeDigest { batch.put(.meta, Keyspace.vectorsDigestKey, Keyspace.bigEndian(counters.digest.value)) }
            if let storeID { batch.put(.meta, Keyspace.storeIDKey, storeID) }
            try db.write(batch, sync: true)
        }
    }

    /// Flushes the memtables (so the next open need not replay the write-ahead log) and closes the
    /// store; using it afterwards traps. Idempotent. A read-only store, or one whose disk has no room
    /// for the flush, is closed without it: the write-ahead log still holds every acknowledged write.
    package func close() {
        committed.withLock { _ in
            if !db.isReadOnly, (try? DiskSpace.require(db.memtableBytes, reserve: diskReserve, at: path, for: "a flush")) != nil {
                db.flushIfOpen()
            }
            db.close()
        }
        if let scratch = secondaryScratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    /// Makes every write acknowledged so far durable against power loss too (fsyncs the
    /// write-ahead log). The database calls it before writing an index snapshot, so a snapshot never
    /// reflects writes the store could lose.
    package func syncWriteAheadLog() throws { try db.syncWAL() }

    // MARK: - Counters

    private func putCounters(_ c: Counters, into batch: WriteBatch) {
        batch.put(.meta, Keyspace.sequenceKey, Keyspace.bigEndian(c.sequence))
        batch.put(.meta, Keyspace.nextFaceIDKey, Keyspace.bigEndian(UInt64(c.nextFaceID)))
        batch.put(.meta, Keyspace.identityCountKey, Keyspace.bigEndian(UInt64(c.identities)))
        batch.put(.meta, Keyspace.faceCountKey, Keyspace.bigEndian(UInt64(c.faces)))
        batch.put(.meta, Keyspace.logTruncatedThroughKey, Keyspace.bigEndian(c.logTruncatedThrough))
        batch.put(.meta, Keyspace.vectorsDigestKey, Keyspace.bigEndian(c.digest.value))
    }

    private var snapshot: Counters { committed.withLock { $0 } }

    /// The change sequence: how many writes the store has committed.
    package var sequence: UInt64 { snapshot.sequence }
    /// The number of stored identities.
    package var identityCount: Int { snapshot.identities }
    /// The number of stored faces.
    package var faceCount: Int { snapshot.faces }
    /// The index configuration recorded in the store.
    package var indexConfiguration: IndexConfiguration { snapshot.index }
    /// The change log holds every change after this sequence.
    package var logTruncatedThrough: UInt64 { snapshot.logTruncatedThrough }
    /// The digest of every stored vector (see ``VectorDigest``).
    package var vectorsDigest: VectorDigest { snapshot.digest }

    /// Runs one write: `build` fills a batch given the current counters and returns the change to log;
    /// the counters, the log entry and the batch are then committed atomically.
    func commit(_ build: (WriteBatch, inout Counters) throws -> IndexChange) throws -> UInt64 {
        try committed.withLock { counters in
            try db.refuseIfReadOnly()
            try DiskSpace.require(db.memtableBytes, reserve: diskReserve, at: path, for: "a write")
            var next = counters
            let batch = db.makeBatch()
            let change = try build(batch, &next)
            next.sequence += 1
            if !change.isEmpty { batch.put(.changeLog, Keyspace.bigEndian(next.sequence), Keyspace.encode(change)) }
            putCounters(next, into: batch)
            // The log and the memtable each take the batch; a flush may have to write the memtables.
            try DiskSpace.require(2 * batch.byteSize + db.memtableBytes, reserve: diskReserve, at: path, for: "this write")
            do {
                try db.write(batch, sync: durability == .powerLoss)
            } catch let error as FaceDBError {
                // RocksDB names no cause in a structured way: a disk found short now is the reason.
                if error.code == .io { try DiskSpace.require(2 * batch.byteSize, reserve: diskReserve, at: path, for: "this write") }
                throw error
            }
            counters = next
            return next.sequence
        }
    }

    // MARK: - Identities

    /// Adds an identity. - Throws: `.alreadyExists` if the id is taken.
    @discardableResult
    package func addIdentity(
        _ id: String, displayName: String? = nil, metadata: JSONValue = .emptyObject, galleries: [String] = []
    ) throws -> UInt64 {
        try Identity.validate(id: id)
        try Identity.validate(metadata: metadata)
        for g in galleries { try Identity.validate(id: g, what: "gallery name") }
        return try commit { batch, c in
            if try db.get(.identities, Keyspace.identityKey(id)) != nil {
                throw FaceDBError(
                    .alreadyExists, "An identity with id '\(id)' already exists.",
                    remedy: "Choose another id, or update the existing identity.", identity: id)
            }
            let now = Date().milliseconds
            let record = IdentityRecord(
                displayName: displayName, metadata: metadata, galleries: Array(Set(galleries)).sorted(),
                createdMs: now, updatedMs: now)
            batch.put(.identities, Keyspace.identityKey(id), try Keyspace.json(record))
            for g in record.galleries { batch.put(.galleryMembers, Keyspace.galleryMemberKey(g, id), []) }
            c.identities += 1
            return IndexChange()
        }
    }

    /// Changes an identity's display name, metadata or galleries (nil leaves a field as it is).
    @discardableResult
    package func updateIdentity(
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

    /// Gives an identity another id in one atomic write: its record, gallery memberships, face
    /// memberships and every face row's owner move to `newID`. Returns the faces it holds.
    /// - Throws: `.unknownIdentity` for `id`; `.alreadyExists` when `newID` is taken.
    @discardableResult
    package func renameIdentity(_ id: String, to newID: String) throws -> (faces: [FaceID], sequence: UInt64) {
        try Identity.validate(id: newID)
        var moved: [FaceID] = []
        let sequence = try commit { batch, _ in
            guard var record = try identityRecord(id) else { throw FaceDBError.unknownIdentity(id) }
            guard id != newID else { return IndexChange() }
            if try db.get(.identities, Keyspace.identityKey(newID)) != nil {
                throw FaceDBError(
                    .alreadyExists, "An identity with id '\(newID)' already exists.",
                    remedy: "Choose another new id, or move the faces with remove and add.", identity: newID)
            }
            moved = try faceIDs(of: id)
            for (face, value) in zip(moved, try db.multiGet(.faces, moved.map(Keyspace.faceKey))) {
                guard let value else { throw Keyspace.corrupt("face \(face) of identity '\(id)' has no faces row") }
                var row = try FaceRecord(decoding: value, dimension: space.dimension)
                row.identity = newID
                batch.put(.faces, Keyspace.faceKey(face), try row.encoded())
                batch.delete(.identityFaces, Keyspace.identityFaceKey(id, face))
                batch.put(.identityFaces, Keyspace.identityFaceKey(newID, face), [])
            }
            for g in record.galleries {
                batch.delete(.galleryMembers, Keyspace.galleryMemberKey(g, id))
                batch.put(.galleryMembers, Keyspace.galleryMemberKey(g, newID), [])
            }
            record.updatedMs = Date().milliseconds
            batch.delete(.identities, Keyspace.identityKey(id))
            batch.put(.identities, Keyspace.identityKey(newID), try Keyspace.json(record))
            // Forgotten before the commit (as removeIdentity does); the new id is looked up when next used.
            knownIdentities.withLock { _ = $0.remove(id) }
            return IndexChange()
        }
        return (moved, sequence)
    }

    /// Removes an identity with all its faces. Returns the removed face ids.
    @discardableResult
    package func removeIdentity(_ id: String) throws -> (faces: [FaceID], sequence: UInt64) {
        var removed: [FaceID] = []
        let seq = try commit { batch, c in
            guard let record = try identityRecord(id) else { throw FaceDBError.unknownIdentity(id) }
            knownIdentities.withLock { _ = $0.remove(id) }
            removed = try faceIDs(of: id)
            for (face, value) in zip(removed, try db.multiGet(.faces, removed.map(Keyspace.faceKey))) {
                batch.delete(.faces, Keyspace.faceKey(face))
                guard let value else { throw Keyspace.corrupt("face \(face) of identity '\(id)' has no faces row") }
                try value.withUnsafeBytes { try c.digest.remove(id: face.rawValue, record: $0, dimension: space.dimension) }
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
    package func identity(_ id: String) throws -> Identity? {
        guard let record = try identityRecord(id) else { return nil }
        return record.identity(id: id, faceCount: try faceIDs(of: id).count)
    }

    func identityRecord(_ id: String) throws -> IdentityRecord? {
        guard let bytes = try db.get(.identities, Keyspace.identityKey(id)) else { return nil }
        return try Keyspace.decodeJSON(IdentityRecord.self, bytes, what: "identity '\(id)'")
    }

    /// Identities whose id starts with `prefix`, in id order, at most `limit`.
    package func identities(prefix: String = "", limit: Int = .max) throws -> [Identity] {
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
    package func members(ofGalleries galleries: [String]) throws -> Set<String> {
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

    /// The result of ``addFaces(_:createMissingIdentities:existing:)``.
    package struct AddedFaces: Sendable {
        /// Ids of the faces written, in input order (skipped faces are left out).
        package var ids: [FaceID]
        /// The identity of each written face, parallel to ``ids``.
        package var identities: [String]
        /// Their vectors as stored (normalized if the space says so), row-major.
        package var vectors: [Float]
        /// Ids of stored faces that were replaced.
        package var replaced: [FaceID]
        /// How many inputs were skipped because their id was already stored.
        package var skipped: Int
        /// The sequence of the write.
        package var sequence: UInt64
    }

    /// Every import mark stored (see ``ImportMark``), in key order. Marks of the earlier layout
    /// (`import/<size>-<hash>`, a bare row count) and values that do not decode are passed over:
    /// they only mean that an import starts from its first row.
    package func importMarks() throws -> [ImportMark] {
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
    ///   - pipelineModels: the photo pipeline's models (meta `pipeline_models`), recorded in the same
    ///     batch when none are recorded yet: a first enrolment adopts its models in its own write.
    package func addFaces(
        _ faces: [NewFace], createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail,
        mark: ImportMark? = nil, pipelineModels: [UInt8]? = nil
    ) throws -> AddedFaces {
        try addFaces(
            try PreparedFaces(faces, space: space), createMissingIdentities: createMissingIdentities,
            existing: existing, mark: mark, pipelineModels: pipelineModels)
    }

    /// ``addFaces(_:createMissingIdentities:existing:mark:)`` for faces already prepared (possibly on
    /// another thread) for this store's space.
    ///
    /// - Parameter whileIngesting: work of the caller's to run on another thread while a bulk load
    ///   (see `FaceStore+BulkLoad.swift`) waits for the disk; it has ended when this returns. Not
    ///   run when the write is not a bulk load, or fails before its files are ingested (a bad file, an unknown identity).
    package func addFaces(
        _ faces: PreparedFaces, createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail,
        mark: ImportMark? = nil, pipelineModels: [UInt8]? = nil, whileIngesting: (@Sendable () -> Void)? = nil
    ) throws -> AddedFaces {
        precondition(faces.vectors.count == faces.count * space.dimension, "faces prepared for another space")
        var result = AddedFaces(ids: [], identities: [], vectors: [], replaced: [], skipped: 0, sequence: 0)
        var learned: [String] = []
        result.sequence = try commit { batch, c in
            // What a failed bulk load rolls back to (`c` is about to move past it).
            let committedNextFaceID = c.nextFaceID
            let chosen = faces.ids.compactMap { $0 }
            guard Set(chosen).count == chosen.count else {
                throw FaceDBError(.invalidArgument, "The same face id appears twice in one write.", remedy: "Give each face a distinct id.")
            }
            let dim = space.dimension
            // A large write of faces that all get new ids is loaded as table files (see bulkLoad).
            let allNew = chosen.allSatisfy { $0.rawValue >= c.nextFaceID }
            // Ids assigned here start above every chosen id, so the two never collide. Chosen ids are
            // at most FaceID.maximumChosen (PreparedFaces checked), so neither sum can overflow.
            c.nextFaceID = max(c.nextFaceID, (chosen.map(\.rawValue).max() ?? -1) + 1)
            try Self.checkIDsLeft(next: c.nextFaceID, needed: faces.count - chosen.count)
            if let mark { batch.put(.meta, Keyspace.importMarkKey(mark.key), Keyspace.encode(mark)) }
            if let pipelineModels, try pipelineModelsDocument() == nil { batch.put(.meta, Keyspace.pipelineModelsKey, pipelineModels) }
            // Identities: all must exist unless they may be created.
            let known = knownIdentities.withLock { $0 }
            let checkIdentities = { @Sendable [self] in
                try identitiesToCreate(faces, known: known, create: createMissingIdentities)
            }
            if allNew && faces.count >= Self.bulkLoadThreshold {
                let (change, identities) = try bulkLoad(
                    faces, counters: &c, committedNextFaceID: committedNextFaceID, result: &result,
                    checking: checkIdentities, whileIngesting: whileIngesting)
                learned = identities.unknown
                try createIdentities(identities.missing, batch: batch, counters: &c)
                return change
            }
            let identities = try checkIdentities()
            learned = identities.unknown
            try createIdentities(identities.missing, batch: batch, counters: &c)
            // Caller-chosen ids: find those already stored.
            var stored: [FaceID: [UInt8]] = [:]
            for (id, value) in zip(chosen, try db.multiGet(.faces, chosen.map(Keyspace.faceKey))) {
                if let value { stored[id] = value }
            }
            var change = IndexChange()
            for i in 0..<faces.count {
                let identity = faces.identities[i]
                let id: FaceID
                if let given = faces.ids[i] {
                    if let oldRecord = stored[given] {
                        switch existing {
                        case .fail:
                            throw FaceDBError(
                                .alreadyExists, "A face with id \(given) is already stored.",
                                remedy: "Use another id, skip existing faces or replace them (--upsert).", faceID: given)
                        case .skip:
                            result.skipped += 1
                            continue
                        case .replace:
                            let oldIdentity = try oldRecord.withUnsafeBytes { record in
                                try c.digest.remove(id: given.rawValue, record: record, dimension: dim)
                                return try FaceRecord.identity(decoding: record, dimension: dim)
                            }
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
                faces.vectors.withUnsafeBufferPointer {
                    c.digest.add(id: id.rawValue, vector: UnsafeBufferPointer(rebasing: $0[(i * dim)..<((i + 1) * dim)]))
                }
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

    /// Refuses a write that needs `needed` assigned ids when fewer than that are left below
    /// ``FaceID/maximumAssigned`` (ids are never reused, so the space runs out only after 2^62 assigned ids).
    static func checkIDsLeft(next: Int64, needed: Int) throws {
        guard needed > 0 else { return }
        guard next >= 0, Int64(needed) <= FaceID.maximumAssigned - next else {
            throw FaceDBError(
                .invalidArgument,
                "The database has no face ids left to assign (the next would be \(next); \(needed) are needed).",
                remedy: "Give the faces ids of your own (0 to 2^62 − 1) that are not stored yet.")
        }
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
        knownIdentities.withLock { known in
            if known.count + names.count > Self.knownIdentityLimit { known.removeAll() }
            known.formUnion(names)
        }
    }

    /// Removes faces in one atomic write. - Throws: `.unknownFace` if any id is not stored (nothing is removed).
    @discardableResult
    package func removeFaces(_ ids: [FaceID]) throws -> UInt64 {
        try commit { batch, c in
            let unique = Array(Set(ids))
            let records = try db.multiGet(.faces, unique.map(Keyspace.faceKey))
            for (id, value) in zip(unique, records) {
                guard let value else { throw FaceDBError.unknownFace(id) }
                let owner = try value.withUnsafeBytes { record in
                    try c.digest.remove(id: id.rawValue, record: record, dimension: space.dimension)
                    return try FaceRecord.identity(decoding: record, dimension: space.dimension)
                }
                batch.delete(.faces, Keyspace.faceKey(id))
                batch.delete(.identityFaces, Keyspace.identityFaceKey(owner, id))
            }
            c.faces -= unique.count
            return IndexChange(removed: unique.map(\.rawValue))
        }
    }

    /// The end of the committed faces' keys: a face at or above `next_face_id` can only be left by
    /// an unfinished bulk load (rolled back when the store is next opened for writing; a read-only
    /// store skips it).
    var committedFacesEnd: [UInt8] { Keyspace.faceKey(FaceID(snapshot.nextFaceID)) }

    /// The face with `id`, or nil.
    package func face(_ id: FaceID) throws -> Face? {
        guard let value = try db.get(.faces, Keyspace.faceKey(id)) else { return nil }
        let record = try FaceRecord(decoding: value, dimension: space.dimension)
        return Face(
            id: id, identity: record.identity, embedding: record.vector, source: record.details?.source,
            metadata: record.details?.metadata, created: Date(milliseconds: record.createdMs))
    }

    /// The ids of an identity's faces, ascending.
    package func faceIDs(of identity: String) throws -> [FaceID] {
        let prefix = Keyspace.identityPrefix(identity)
        var ids: [FaceID] = []
        try db.scan(.identityFaces, from: prefix, to: Keyspace.prefixEnd(prefix)) { key, _ in
            ids.append(try Keyspace.faceID(fromKey: UnsafeRawBufferPointer(rebasing: key[prefix.count...])))
            return true
        }
        return ids
    }

    /// The stored vectors of `ids` (nil where a face is not stored), in one batched read.
    package func vectors(_ ids: [Int64]) throws -> [[Float]?] {
        try db.multiGet(.faces, ids.map { Keyspace.faceKey(FaceID($0)) }).map { value in
            try value?.withUnsafeBytes { try FaceRecord.vector(decoding: $0, dimension: space.dimension) }
        }
    }

    /// The identities owning `ids` (nil where a face is not stored), in one batched read.
    package func owners(_ ids: [Int64]) throws -> [String?] {
        try db.multiGet(.faces, ids.map { Keyspace.faceKey(FaceID($0)) }).map { value in
            try value?.withUnsafeBytes { try FaceRecord.identity(decoding: $0, dimension: space.dimension) }
        }
    }

    /// Calls `body` with every stored vector in face-id order, `batchSize` at a time (ids, row-major vectors).
    package func forEachVector(batchSize: Int = 16_384, _ body: ([Int64], [Float]) throws -> Void) throws {
        var ids: [Int64] = []
        var vectors: [Float] = []
        let dim = space.dimension
        try db.scan(.faces, to: committedFacesEnd) { key, value in
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
    package func forEachFace(_ body: (Face) throws -> Bool) throws {
        let dim = space.dimension
        try db.scan(.faces, to: committedFacesEnd) { key, value in
            let id = try Keyspace.faceID(fromKey: key)
            let record = try FaceRecord(decoding: value, dimension: dim)
            return try body(
                Face(
                    id: id, identity: record.identity, embedding: record.vector, source: record.details?.source,
                    metadata: record.details?.metadata, created: Date(milliseconds: record.createdMs)))
        }
    }

    // MARK: - Index bookkeeping

    /// The logged changes after `sequence`, in order; nil when the log no longer reaches back that far.
    package func changes(after sequence: UInt64) throws -> [(sequence: UInt64, change: IndexChange)]? {
        guard sequence >= logTruncatedThrough else { return nil }
        var out: [(UInt64, IndexChange)] = []
        try db.scan(.changeLog, from: Keyspace.bigEndian(sequence + 1)) { key, value in
            out.append((try Keyspace.uint64(bigEndian: key), try Keyspace.decodeChange(value)))
            return true
        }
        return out
    }

    /// Drops change-log entries up to and including `sequence` (after an index snapshot reflecting it was saved).
    package func truncateChangeLog(through sequence: UInt64) throws {
        try committed.withLock { counters in
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
    package func setIndexConfiguration(_ index: IndexConfiguration) throws -> UInt64 {
        try index.validate(dimension: space.dimension)
        return try commit { batch, c in
            batch.put(.meta, Keyspace.indexKey, try Keyspace.json(index))
            c.index = index
            return IndexChange()
        }
    }

    /// The stored calibration document (JSON, `Schemas/calibration.schema.json`), or nil.
    package func calibrationDocument() throws -> [UInt8]? {
        try db.get(.meta, Keyspace.calibrationKey)
    }

    /// The JSON list of the photo pipeline's models (`pipeline-models.schema.json`), if photos were enrolled.
    package func pipelineModelsDocument() throws -> [UInt8]? {
        try db.get(.meta, Keyspace.pipelineModelsKey)
    }

    /// Records the photo pipeline's models in one atomic write (repair copies them this way; an
    /// enrolment records them in its own write, through ``addFaces(_:createMissingIdentities:existing:mark:pipelineModels:)``).
    @discardableResult
    package func setPipelineModelsDocument(_ json: [UInt8]) throws -> UInt64 {
        try commit { batch, _ in
            batch.put(.meta, Keyspace.pipelineModelsKey, json)
            return IndexChange()
        }
    }

    /// The recorded head of the audit trail (JSON `{"entries", "hash"}`), or nil when the database keeps none.
    package func auditHeadDocument() throws -> [UInt8]? {
        try db.get(.meta, Keyspace.auditHeadKey)
    }

    /// The recorded head of the audit trail of the store at `path`, read by opening it read-only
    /// (no key is needed: `meta` is never encrypted; nothing under `path` is written).
    package static func auditHeadDocument(at path: String) throws -> [UInt8]? {
        let db = try RocksDB(path: path, mode: .readOnly)
        defer { db.close() }
        return try db.get(.meta, Keyspace.auditHeadKey)
    }

    /// Records the audit trail's head in one atomic write.
    @discardableResult
    package func setAuditHeadDocument(_ json: [UInt8]) throws -> UInt64 {
        try commit { batch, _ in
            batch.put(.meta, Keyspace.auditHeadKey, json)
            return IndexChange()
        }
    }

    /// Stores (or with nil, removes) the calibration document in one atomic write.
    @discardableResult
    package func setCalibrationDocument(_ json: [UInt8]?) throws -> UInt64 {
        try commit { batch, _ in
            if let json { batch.put(.meta, Keyspace.calibrationKey, json) } else { batch.delete(.meta, Keyspace.calibrationKey) }
            return IndexChange()
        }
    }

    /// Reads every row of every column family, so that RocksDB verifies the checksum of every block.
    /// - Throws: `.corruption` naming the family at the first damaged block.
    package func verifyEveryRow() throws {
        for cf in ColumnFamily.allCases { try db.scan(cf) { _, _ in true } }
    }

    /// Flushes RocksDB's memtables to disk.
    package func flush() throws { try db.flush() }
}

extension FaceStore {
    /// Every stored face id, ascending.
    package func allFaceIDs() throws -> [FaceID] {
        var ids: [FaceID] = []
        try db.scan(.faces, to: committedFacesEnd) { key, _ in
            ids.append(try Keyspace.faceID(fromKey: key))
            return true
        }
        return ids
    }

}

extension FaceStore {
    /// Every identity id with its face ids, in id order (reads only the `identity_faces` keys).
    package func facesByIdentity() throws -> [(identity: String, faces: [FaceID])] {
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
    package func forEachIdentityFaces(_ body: (String, [Int64]) -> Bool) throws {
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
