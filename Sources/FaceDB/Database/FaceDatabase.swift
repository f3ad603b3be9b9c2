import FaceDBCore
import FaceDBIndex
import FaceDBStorage
import Foundation
import Logging
import Synchronization

/// A face identity database in a directory: identities, faces and their embeddings in RocksDB
/// (the source of truth) and a FAISS index derived from them.
///
/// ```swift
/// let db = try FaceDatabase.create(at: "people.facedb", space: .dlibResNet)
/// try db.addIdentity("ada", displayName: "Ada Lovelace")
/// try db.addFaces([NewFace(identity: "ada", embedding: descriptor)])
/// let best = try db.search(probe, k: 5)
/// ```
///
/// `FaceDatabase` is `Sendable`: any number of threads may search while one writes; writes are
/// serialized. Every write is one atomic RocksDB batch; the index is brought up to date after the
/// batch commits, and a crash in between is repaired from the store's change log on the next open.
///
/// Layout of the directory: `store/` (RocksDB), `index.snapshot` (the index, see
/// `Schemas/index-snapshot.md`), `LOCK`.
///
/// Maintenance messages go to ``DatabaseOptions/logger`` (swift-log); counters and timers named
/// `facedb_…` go to the swift-metrics backend the application bootstrapped, if any (the list is in
/// the README, "Logging and metrics"; the library never bootstraps `MetricsSystem`).
public final class FaceDatabase: @unchecked Sendable {
    /// The database directory.
    public let path: String
    /// The embedding space the database is bound to.
    public var space: EmbeddingSpace { store.space }
    /// Run-time options.
    public let options: DatabaseOptions
    /// ``DatabaseOptions/logger`` with the metadata `database` (the directory).
    let logger: Logger
    /// The database's counters, timers and gauges (swift-metrics), made once.
    package let metrics: DatabaseMetrics

    let store: FaceStore
    private let lock: DirectoryLock
    /// Serializes writes from start (store commit) to end (index updated). It guards no value of its
    /// own: what it keeps consistent is the store and the index together.
    let writeLock = Mutex<Void>(())
    /// Guards `index` and `indexSequence`: searches share it, index updates take it exclusively.
    let indexLock = ReadWriteLock()
    /// The derived index (replaced whole by rebuilds).
    var index: VectorIndex
    /// The store sequence the in-memory index reflects.
    var indexSequence: UInt64
    /// The digest of the vectors the in-memory index holds, kept from the vectors it is given and
    /// those it gives back on removal (guarded by `indexLock`, like `index`).
    var indexDigest = VectorDigest()
    /// Why the index snapshot was not used when the database was opened (nil when it was).
    var snapshotProblem: SnapshotProblem?
    /// The sequence of the last snapshot written or loaded, and the faces changed since.
    let snapshotState = SnapshotState()
    /// Which identity each face belongs to, in memory (see ``FaceOwners``).
    let owners = FaceOwners()
    /// The decoded operating point, once read (every identify and verify needs it).
    let calibration = LoadedOnce<OperatingPoint?>()
    /// Set once, by the first ``close()``.
    private let closed = Atomic<Bool>(false)
    /// The audit trail, when the database keeps one (see `FaceDatabase+Audit.swift`).
    let auditTrail = Mutex<AuditTrail?>(nil)

    var snapshotPath: String { path + "/index.snapshot" }
    static func storePath(_ directory: String) -> String { directory + "/store" }

    /// Whether the database was opened read-only (``DatabaseOptions/readOnly``).
    public var isReadOnly: Bool { options.readOnly }

    /// Whether this read-only handle reads beside a writer in another process: it sees the
    /// writer's acknowledged writes as of the open (its answers do not move after that; open the
    /// database again to see later writes). A read-only open finds the writer by its lock.
    public var isBesideWriter: Bool { store.isBesideWriter }

    /// A view beside a writer can be caught in the middle of a bulk load: RocksDB's secondary reads
    /// the writer's MANIFEST before its write-ahead log, so a load whose table files were added in
    /// between shows its commit (the counters) without its faces. Seen once in a test: counters of
    /// 40,201 faces over 35,201. The index then disagrees with the counters; catching up again reads
    /// the MANIFEST that names the files. Up to five tries, then the mismatch is an error.
    func settleBesideWriter() throws {
        guard isBesideWriter else { return }
        for _ in 0..<5 {
            if indexLock.withReadLock({ index.count }) == store.faceCount { return }
            usleep(20_000)
            try store.catchUpWithWriter()
            try indexLock.withWriteLock { try loadIndex() }
        }
        guard indexLock.withReadLock({ index.count }) == store.faceCount else {
            throw FaceDBError(
                .storageFailure, "The database at \(path) did not settle into a consistent state beside the process writing it.",
                remedy: "Try again; if it persists, stop the writer and run `facedb check`.", path: path)
        }
    }

    /// For a handle reading beside a writer (``isBesideWriter``): moves its view up to the
    /// writer's writes acknowledged by now, the index caught up from the writer's snapshot and
    /// change log (or rebuilt in memory when they do not reach). Searches wait while it runs.
    /// Nothing for other handles, which always see every write.
    public func refresh() throws {
        try checkOpen()
        guard isBesideWriter else { return }
        try writeLock.withLock { _ in
            try store.catchUpWithWriter()
            owners.reset()
            try indexLock.withWriteLock { try loadIndex() }
            try settleBesideWriter()
            owners.load { [store] each in try store.forEachIdentityFaces(each) }
        }
    }

    private init(path: String, store: FaceStore, lock: DirectoryLock, index: VectorIndex, indexSequence: UInt64, options: DatabaseOptions) {
        self.path = path
        self.store = store
        self.lock = lock
        self.index = index
        self.indexSequence = indexSequence
        self.options = options
        var logger = options.logger
        logger[metadataKey: "database"] = "\(path)"
        self.logger = logger
        metrics = DatabaseMetrics(dimensions: options.metricsDimensions)
    }

    // MARK: - Creating and opening

    /// Creates a database in `path` (a new or empty directory), bound to `space`.
    ///
    /// - Throws: `.databaseExists` if `path` already holds a database or other files;
    ///   `.invalidArgument` for an invalid space or index configuration.
    public static func create(
        at path: String, space: EmbeddingSpace, index: IndexConfiguration = .flat, options: DatabaseOptions = DatabaseOptions()
    ) throws -> FaceDatabase {
        try create(at: path, space: space, index: index, options: options, besides: [])
    }

    /// ``create(at:space:index:options:)`` in a directory that may already hold the entries named
    /// in `besides` (`repair` keeps its scratch copy of the damaged store there).
    static func create(
        at path: String, space: EmbeddingSpace, index: IndexConfiguration, options: DatabaseOptions, besides: Set<String>
    ) throws -> FaceDatabase {
        guard !options.readOnly else {
            throw FaceDBError(.invalidArgument, "A database cannot be created read-only.", remedy: "Create it without readOnly.", path: path)
        }
        try space.validate()
        try index.validate(dimension: space.dimension)
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: path), !contents.allSatisfy(besides.contains) {
            let isDatabase = fm.fileExists(atPath: storePath(path) + "/CURRENT")
            throw FaceDBError(
                .databaseExists,
                isDatabase ? "A database already exists at \(path)." : "\(path) is not empty.",
                remedy: isDatabase ? "Open it, or remove it first to start over." : "Choose a new or empty directory.",
                path: path)
        }
        do {
            try PrivateFiles.makeDirectory(path)
            try PrivateFiles.makeDirectory(storePath(path))
        } catch {
            throw FaceDBError(
                .io, "Cannot create the directory \(path).", remedy: "Check the parent directory's permissions.",
                path: path, cause: "\(error)")
        }
        let lock = try DirectoryLock(directory: path)
        let store = try FaceStore.create(
            at: storePath(path), space: space, index: index, durability: options.durability,
            diskReserve: options.diskReserve, key: options.key)
        let vectorIndex = try VectorIndex(configuration: index, dimension: space.dimension, metric: space.metric)
        let db = FaceDatabase(path: path, store: store, lock: lock, index: vectorIndex, indexSequence: store.sequence, options: options)
        try db.writeSnapshot()
        PrivateFiles.tighten(under: path)
        db.logger.debug(
            "created the database",
            metadata: [
                "model": "\(space.model)", "dimension": "\(space.dimension)", "metric": "\(space.metric.rawValue)", "index": "\(index.kind.rawValue)",
            ])
        db.metrics.stored(faces: 0, identities: 0)
        return db
    }

    /// Opens an existing database and brings its index up to date with the store (loading the
    /// snapshot and replaying the change log, or rebuilding it when the snapshot is missing, stale
    /// beyond the log, truncated or corrupt).
    ///
    /// Nothing is deleted or overwritten when the store is damaged: RocksDB's checks, the refusal of
    /// a write-ahead log damaged before its last record, and a store found older than its own index
    /// snapshot (writes it acknowledged are missing) all throw `.corruption` before the store is
    /// opened for writing (see `RELIABILITY.md`; `facedb repair` salvages what is readable).
    ///
    /// - Parameters:
    ///   - expecting: if given, the database must have been created for this model name
    ///     (and, when `dimension` is given, this dimension).
    /// - Throws: `.notADatabase`, `.unsupportedFormat`, `.modelMismatch`, `.databaseLocked`,
    ///   `.corruption`, `.diskFull` (opening for writing needs room to recover the log).
    public static func open(
        at path: String, expectingModel model: String? = nil, dimension: Int? = nil, options: DatabaseOptions = DatabaseOptions()
    ) throws -> FaceDatabase {
        guard FileManager.default.fileExists(atPath: storePath(path) + "/CURRENT") else {
            throw FaceDBError(
                .notADatabase, "\(path) is not a FaceDB database.",
                remedy: "Create one with `facedb create \(path) --model NAME --dim D`, or check the path.", path: path)
        }
        // A reader finds the lock held exclusively only while a writer has the database open: it
        // then reads beside the writer (a RocksDB secondary) instead of refusing.
        let lock: DirectoryLock
        var besideWriter = false
        do {
            lock = try DirectoryLock(directory: path, shared: options.readOnly)
        } catch let error as FaceDBError where error.code == .databaseLocked && options.readOnly {
            lock = DirectoryLock(unheldFor: path)
            besideWriter = true
        }
        // Looked at before RocksDB opens the store, which creates files of its own under the umask.
        let exposed = PrivateFiles.exposed(under: path)
        let snapshotHeader = IndexSnapshot.header(at: path + "/index.snapshot")
        if !options.readOnly, let snapshotHeader {
            // Looked at read-only first: a store whose MANIFEST lost its tail opens as an older
            // state, and opening it for writing would delete the table files it no longer lists.
            let probe = try FaceStore.peek(at: storePath(path))
            try refuseStore(sequence: probe.sequence, storeID: probe.storeID, behind: snapshotHeader, path: path)
        }
        let store = try FaceStore.open(
            at: storePath(path), durability: options.durability, readOnly: options.readOnly, besideWriter: besideWriter,
            diskReserve: options.diskReserve, key: options.key)
        if options.readOnly, let snapshotHeader {
            do {
                try refuseStore(sequence: store.sequence, storeID: store.storeID, behind: snapshotHeader, path: path)
            } catch {
                store.close()
                throw error
            }
        }
        if let model, model != store.space.model {
            store.close()
            throw FaceDBError(
                .modelMismatch,
                "The database at \(path) holds embeddings of model '\(store.space.model)', not '\(model)'.",
                remedy: "Embeddings of different models cannot be compared; use a database created for '\(model)'.",
                path: path)
        }
        if let dimension, dimension != store.space.dimension {
            store.close()
            throw FaceDBError.dimensionMismatch(expected: store.space.dimension, given: dimension)
        }
        let placeholder = try VectorIndex(configuration: store.indexConfiguration, dimension: store.space.dimension, metric: store.space.metric)
        let db = FaceDatabase(path: path, store: store, lock: lock, index: placeholder, indexSequence: 0, options: options)
        do {
            try db.loadIndex()
            try db.settleBesideWriter()
        } catch {
            store.close()
            throw error
        }
        db.owners.load { [store] each in try store.forEachIdentityFaces(each) }
        if !options.readOnly {
            do {
                try db.openAuditTrail()
            } catch {
                try? db.close()
                throw error
            }
            db.tuneInBackgroundIfDue()
        }
        db.warnIfExposed(exposed)
        if !options.readOnly { PrivateFiles.tighten(under: path) }
        db.logger.debug(
            "opened the database",
            metadata: [
                "faces": "\(store.faceCount)", "identities": "\(store.identityCount)", "sequence": "\(store.sequence)",
                "read_only": "\(options.readOnly)",
            ])
        db.metrics.stored(faces: store.faceCount, identities: store.identityCount)
        return db
    }

    /// Logs a warning naming the database's directories and files that its group or others could
    /// access when it was opened (made by an earlier version, copied with other modes, changed
    /// since, or created by RocksDB under a permissive umask before a crash): the database holds
    /// biometric data (`SECURITY.md`, "Private files"). A writable open then makes them owner-only.
    private func warnIfExposed(_ exposed: [(path: String, mode: Int)]) {
        guard !exposed.isEmpty else { return }
        logger.warning(
            "files of the database could be read by other users than its owner",
            metadata: [
                "count": "\(exposed.count)",
                "first": "\(exposed.prefix(3).map { "\($0.path) (\(String($0.mode, radix: 8)))" }.joined(separator: ", "))",
                "action": options.readOnly ? "none (read-only); fix: chmod -R go-rwx \(path)" : "made owner-only",
            ])
    }

    /// Throws `.corruption` when the index snapshot of this same store reflects a later sequence than
    /// the store holds: writes it acknowledged are missing (a damaged MANIFEST or log, a store
    /// directory restored without its snapshot). A snapshot is only written once the write-ahead log
    /// holding its writes is synced, so no crash or power loss leads here.
    private static func refuseStore(sequence: UInt64, storeID: [UInt8], behind snapshot: IndexSnapshot.Header, path: String) throws {
        guard let snapshotStore = snapshot.storeID, snapshotStore == storeID, snapshot.sequence > sequence else { return }
        throw FaceDBError(
            .corruption,
            "The store at \(path) is damaged: it holds writes up to sequence \(sequence), but its index snapshot was written at sequence \(snapshot.sequence), so acknowledged writes are missing. Nothing was changed.",
            remedy:
                "Restore the database directory from a backup, or salvage what is readable into a new directory with `facedb repair \(path) --into NEW`. If you restored the store from a backup on purpose, delete \(path)/index.snapshot (it is rebuilt from the store).",
            path: path)
    }

    /// Writes an index snapshot, then closes the store and releases the directory. Idempotent;
    /// any other use afterwards throws `.closed`.
    public func close() throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try writeLock.withLock { _ in
            snapshotState.shutDown()
            snapshotState.waitForBackgroundSnapshot()
            owners.stopLoading()
            var snapshotError: (any Error)?
            if !options.readOnly {
                do { try writeSnapshot() } catch { snapshotError = error }
            }
            store.close()
            // RocksDB made its files under the umask (see PrivateFiles): owner-only again.
            if !options.readOnly { PrivateFiles.tighten(under: path) }
            lock.unlock()
            if let snapshotError { throw snapshotError }
        }
    }

    deinit {
        if !closed.load(ordering: .acquiring) { try? close() }
    }

    /// Throws `.readOnly` for a database opened read-only.
    package func checkWritable() throws {
        if options.readOnly {
            throw FaceDBError(
                .readOnly, "The database at \(path) is open read-only; nothing was written.",
                remedy: "Open it without readOnly to change it (no other process may have it open then).", path: path)
        }
    }

    package func checkOpen() throws {
        if closed.load(ordering: .acquiring) {
            throw FaceDBError(.closed, "The database at \(path) is closed.", remedy: "Open it again.", path: path)
        }
    }

    // MARK: - Writing

    /// Runs a store write and applies its index change, holding the write lock throughout.
    /// Removals are applied under the exclusive index lock together with the commit, so a search
    /// never sees a face the store no longer has.
    ///
    /// - Parameter alongside: in-memory bookkeeping of the committed write, run on a second thread
    ///   while the index is updated (for a write that removes nothing; otherwise after it).
    private func write<T: Sendable>(
        _ kind: DatabaseMetrics.WriteKind, removes: Bool, alongside: (@Sendable (T) -> Void)? = nil,
        _ commit: () throws -> (T, UInt64, IndexChange, [Float])
    ) throws -> T {
        try checkOpen()
        try checkWritable()
        return try writeLock.withLock { _ in
            snapshotState.writeStarted()
            // Ends the write for the snapshot scheduler, also when it fails (nothing changed then).
            var changed = 0
            defer { noteChanged(changed) }
            let (result, sequence, change, vectors): (T, UInt64, IndexChange, [Float])
            if removes {
                (result, sequence, change, vectors) = try indexLock.withWriteLock {
                    let r = try commit()
                    try applyToIndex(r.2, vectors: r.3, sequence: r.1)
                    alongside?(r.0)
                    return r
                }
            } else {
                (result, sequence, change, vectors) = try commit()
                let apply = { @Sendable [self] in try indexLock.withWriteLock { try applyToIndex(change, vectors: vectors, sequence: sequence) } }
                if let alongside {
                    _ = try ConcurrentMap.map(2) { $0 == 0 ? try apply() : alongside(result) }
                } else {
                    try apply()
                }
            }
            changed = change.added.count + change.removed.count
            metrics.wrote(kind, added: change.added.count, removed: change.removed.count)
            metrics.stored(faces: store.faceCount, identities: store.identityCount)
            return result
        }
    }

    /// Applies a committed change to the in-memory index; if that fails, rebuilds it from the store.
    /// Must hold `indexLock` exclusively.
    private func applyToIndex(_ change: IndexChange, vectors: [Float], sequence: UInt64) throws {
        do {
            var digest = indexDigest
            if !change.removed.isEmpty {
                // The digest takes back what the index held, not what the store says it held.
                digest.remove(ids: change.removed, vectors: try index.vectors(for: change.removed), dimension: space.dimension)
                try index.remove(ids: change.removed)
            }
            if !change.added.isEmpty {
                try index.add(ids: change.added, vectors: vectors)
                digest.add(ids: change.added, vectors: vectors, dimension: space.dimension)
            }
            indexDigest = digest
            indexSequence = sequence
        } catch {
            logger.error(
                "updating the index failed; the write is stored; rebuilding the index from the store",
                metadata: [
                    "error": "\(error)", "faces": "\(store.faceCount)", "sequence": "\(sequence)",
                ])
            metrics.rebuiltIndex(reason: "index_update_failed")
            (index, indexDigest) = try buildIndex(configuration: store.indexConfiguration)
            indexSequence = store.sequence
        }
    }

    /// Adds an identity.
    /// - Throws: `.alreadyExists`, `.invalidArgument` (empty or over-long id, metadata not an object).
    public func addIdentity(_ id: String, displayName: String? = nil, metadata: JSONValue = .emptyObject, galleries: [String] = []) throws {
        try write(.addIdentity, removes: false) {
            let seq = try store.addIdentity(id, displayName: displayName, metadata: metadata, galleries: galleries)
            return ((), seq, IndexChange(), [])
        }
        try audit("add_identity", identities: [id])
    }

    /// Changes an identity's display name, metadata or galleries; nil leaves a field unchanged.
    /// - Throws: `.unknownIdentity`.
    public func updateIdentity(_ id: String, displayName: String?? = nil, metadata: JSONValue? = nil, galleries: [String]? = nil) throws {
        try write(.updateIdentity, removes: false) {
            let seq = try store.updateIdentity(id, displayName: displayName, metadata: metadata, galleries: galleries)
            return ((), seq, IndexChange(), [])
        }
        try audit("update_identity", identities: [id])
    }

    /// Gives an identity another id, in one atomic write: its display name, metadata, galleries and
    /// faces (with their ids) go with it. Returns the ids of its faces.
    /// - Throws: `.unknownIdentity` for `id`; `.alreadyExists` when `newID` is taken;
    ///   `.invalidArgument` for an invalid new id.
    @discardableResult
    public func renameIdentity(_ id: String, to newID: String) throws -> [FaceID] {
        let faces = try write(.renameIdentity, removes: false) {
            let (faces, seq) = try store.renameIdentity(id, to: newID)
            owners.set(faces.map(\.rawValue), Array(repeating: newID, count: faces.count))
            return (faces, seq, IndexChange(), [])
        }
        try audit("rename_identity", identities: [id, newID], counts: ["faces": faces.count])
        return faces
    }

    /// Removes an identity and all its faces. Returns the removed face ids.
    /// - Throws: `.unknownIdentity`.
    @discardableResult
    public func removeIdentity(_ id: String) throws -> [FaceID] {
        let faces = try write(.removeIdentity, removes: true) {
            let (faces, seq) = try store.removeIdentity(id)
            owners.remove(faces.map(\.rawValue))
            return (faces, seq, IndexChange(removed: faces.map(\.rawValue)), [])
        }
        try audit("remove_identity", identities: [id], faces: faces.map(\.rawValue), counts: ["faces_removed": faces.count])
        return faces
    }

    /// Adds faces in one atomic write and returns their ids. Every face is validated first
    /// (identity known, dimension, finite values); one bad face refuses the whole write.
    ///
    /// - Parameters:
    ///   - createMissingIdentities: create unknown identities instead of failing.
    ///   - existing: what to do with caller-chosen face ids that are already stored.
    @discardableResult
    public func addFaces(
        _ faces: [NewFace], createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail
    ) throws -> [FaceID] {
        if faces.isEmpty { return [] }
        return try addFacesReporting(faces, createMissingIdentities: createMissingIdentities, existing: existing).ids
    }

    /// ``addFaces(_:createMissingIdentities:existing:)`` with the store's full account of the write.
    /// - Parameter pipelineModels: the photo pipeline's models, recorded in the same write when the
    ///   database has none recorded yet (see ``FaceStore/addFaces(_:createMissingIdentities:existing:mark:pipelineModels:)``).
    package func addFacesReporting(
        _ faces: [NewFace], createMissingIdentities: Bool, existing: ExistingFacePolicy, pipelineModels: [UInt8]? = nil
    ) throws -> FaceStore.AddedFaces {
        try addFacesReporting(
            try PreparedFaces(faces, space: space), createMissingIdentities: createMissingIdentities, existing: existing,
            pipelineModels: pipelineModels)
    }

    /// Adds faces prepared (checked and encoded) beforehand, possibly on another thread.
    func addFacesReporting(
        _ faces: PreparedFaces, createMissingIdentities: Bool, existing: ExistingFacePolicy,
        mark: ImportMark? = nil, pipelineModels: [UInt8]? = nil, kind: DatabaseMetrics.WriteKind = .addFaces
    ) throws -> FaceStore.AddedFaces {
        // A bulk load of new faces: the index copies their vectors into its storage while the store
        // waits for the disk, so that adding them afterwards only publishes them. Staged vectors stay
        // invisible to searches, so a failed commit shows nothing; a failed copy only means the add
        // does the copy itself. Only for writes that remove nothing: one that replaces faces commits
        // under the exclusive index lock, which the copy would wait for.
        let stage: @Sendable () -> Void = { [self] in indexLock.withReadLock { try? index.stage(vectors: faces.vectors) } }
        let added = try write(
            kind, removes: existing == .replace, alongside: { [owners] added in owners.set(added.ids.map(\.rawValue), added.identities) }
        ) {
            let added = try store.addFaces(
                faces, createMissingIdentities: createMissingIdentities, existing: existing, mark: mark,
                pipelineModels: pipelineModels, whileIngesting: existing == .fail ? stage : nil)
            let change = IndexChange(removed: added.replaced.map(\.rawValue), added: added.ids.map(\.rawValue))
            return (added, added.sequence, change, added.vectors)
        }
        if kind != .importBatch {
            try audit(
                pipelineModels == nil ? "add_faces" : "enroll", identities: Array(Set(added.identities)).sorted(),
                faces: added.ids.map(\.rawValue), counts: ["faces_added": added.ids.count, "faces_replaced": added.replaced.count])
        }
        return added
    }

    /// Removes faces in one atomic write.
    /// - Throws: `.unknownFace` if any is not stored (then nothing is removed).
    public func removeFaces(_ ids: [FaceID]) throws {
        if ids.isEmpty { return }
        try write(.removeFaces, removes: true) {
            let seq = try store.removeFaces(ids)
            owners.remove(ids.map(\.rawValue))
            return ((), seq, IndexChange(removed: Array(Set(ids)).map(\.rawValue)), [])
        }
        let unique = Array(Set(ids.map(\.rawValue))).sorted()
        try audit("remove_faces", faces: unique, counts: ["faces_removed": unique.count])
    }

    // MARK: - Reading

    /// The identity with `id`, or nil.
    public func identity(_ id: String) throws -> Identity? {
        try checkOpen()
        return try store.identity(id)
    }

    /// Identities whose id starts with `prefix`, in id order.
    public func identities(prefix: String = "", limit: Int = .max) throws -> [Identity] {
        try checkOpen()
        return try store.identities(prefix: prefix, limit: limit)
    }

    /// The faces of an identity.
    /// - Throws: `.unknownIdentity`.
    public func faces(of identity: String) throws -> [Face] {
        try checkOpen()
        guard try store.identity(identity) != nil else { throw FaceDBError.unknownIdentity(identity) }
        return try store.faceIDs(of: identity).compactMap { try store.face($0) }
    }

    /// The face with `id`, or nil.
    public func face(_ id: FaceID) throws -> Face? {
        try checkOpen()
        return try store.face(id)
    }

    /// The photo pipeline's models recorded by the first enrolment (meta `pipeline_models`,
    /// `Schemas/pipeline-models.schema.json`), or nil before any.
    package func recordedPipelineModels() throws -> [UInt8]? {
        try checkOpen()
        return try store.pipelineModelsDocument()
    }

    /// The number of identities.
    public var identityCount: Int { store.identityCount }
    /// The number of faces.
    public var faceCount: Int { store.faceCount }
}
