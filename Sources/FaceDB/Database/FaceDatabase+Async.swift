import FaceDBCore
import FaceDBImport

/// The async API: every blocking call of ``FaceDatabase`` as an `async` overload of the same name,
/// for servers and other concurrent code. In an async context Swift picks these.
///
/// Each runs its synchronous twin on FaceDB's own threads, never on Swift's cooperative pool, so a
/// long import or a burst of searches does not stall the server's other tasks. Cancelling the
/// awaiting task stops the call at its next batch boundary (import batches, 4,096-probe chunks of
/// a batch identification, index build batches, export blocks, calibration groups) with
/// ``FaceDBError/Code/cancelled``; what was written before stays written. Calls that are one
/// write or one search end as they would have.
extension FaceDatabase {
    // MARK: - Opening and closing

    /// The blocking `create(at:space:index:options:)`, run on FaceDB's threads.
    public static func create(
        at path: String, space: EmbeddingSpace, index: IndexConfiguration = .flat, options: DatabaseOptions = DatabaseOptions()
    ) async throws -> FaceDatabase {
        try await WorkThreads.run { try create(at: path, space: space, index: index, options: options) }
    }

    /// The blocking `open(at:expectingModel:dimension:options:)`, run on FaceDB's threads (opening may rebuild the
    /// index: seconds at a million faces; cancellation stops a rebuild between batches).
    public static func open(
        at path: String, expectingModel model: String? = nil, dimension: Int? = nil, options: DatabaseOptions = DatabaseOptions()
    ) async throws -> FaceDatabase {
        try await WorkThreads.run { try open(at: path, expectingModel: model, dimension: dimension, options: options) }
    }

    /// The blocking `close()`, run on FaceDB's threads (it writes the index snapshot).
    public func close() async throws {
        try await WorkThreads.run { try self.close() }
    }

    // MARK: - Writing

    /// The blocking `addIdentity(_:displayName:metadata:galleries:)`, run on FaceDB's threads.
    public func addIdentity(_ id: String, displayName: String? = nil, metadata: JSONValue = .emptyObject, galleries: [String] = []) async throws {
        try await WorkThreads.run { try self.addIdentity(id, displayName: displayName, metadata: metadata, galleries: galleries) }
    }

    /// The blocking `updateIdentity(_:displayName:metadata:galleries:)`, run on FaceDB's threads.
    public func updateIdentity(_ id: String, displayName: String?? = nil, metadata: JSONValue? = nil, galleries: [String]? = nil) async throws {
        try await WorkThreads.run { try self.updateIdentity(id, displayName: displayName, metadata: metadata, galleries: galleries) }
    }

    /// The blocking `refresh()`, run on FaceDB's threads.
    public func refresh() async throws {
        try await WorkThreads.run { try self.refresh() }
    }

    /// The blocking `renameIdentity(_:to:)`, run on FaceDB's threads.
    @discardableResult
    public func renameIdentity(_ id: String, to newID: String) async throws -> [FaceID] {
        try await WorkThreads.run { try self.renameIdentity(id, to: newID) }
    }

    /// The blocking `removeIdentity(_:)`, run on FaceDB's threads.
    @discardableResult
    public func removeIdentity(_ id: String) async throws -> [FaceID] {
        try await WorkThreads.run { try self.removeIdentity(id) }
    }

    /// The blocking `addFaces(_:createMissingIdentities:existing:)`, run on FaceDB's threads.
    @discardableResult
    public func addFaces(
        _ faces: [NewFace], createMissingIdentities: Bool = false, existing: ExistingFacePolicy = .fail
    ) async throws -> [FaceID] {
        try await WorkThreads.run { try self.addFaces(faces, createMissingIdentities: createMissingIdentities, existing: existing) }
    }

    /// The blocking `removeFaces(_:)`, run on FaceDB's threads.
    public func removeFaces(_ ids: [FaceID]) async throws {
        try await WorkThreads.run { try self.removeFaces(ids) }
    }

    /// The blocking `importEmbeddings(from:options:progress:)`, run on FaceDB's threads; cancellation stops it
    /// between batches (run it again to resume from its mark).
    public func importEmbeddings(
        from source: sending any EmbeddingSource, options: ImportOptions = ImportOptions(),
        progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws -> ImportSummary {
        let source = SendableBox(source)
        return try await WorkThreads.run { try self.importEmbeddings(from: source.value, options: options, progress: progress) }
    }

    // MARK: - Reading and searching

    /// The blocking `stats()`, run on FaceDB's threads.
    public func stats() async throws -> DatabaseStats {
        try await WorkThreads.run { try self.stats() }
    }

    /// The blocking `search(_:k:filter:)`, run on FaceDB's threads.
    public func search(_ embedding: [Float], k: Int = 10, filter: SearchFilter = .none) async throws -> [FaceMatch] {
        try await WorkThreads.run { try self.search(embedding, k: k, filter: filter) }
    }

    /// The blocking `search(batch:k:filter:)`, run on FaceDB's threads.
    public func search(batch embeddings: [[Float]], k: Int = 10, filter: SearchFilter = .none) async throws -> [[FaceMatch]] {
        try await WorkThreads.run { try self.search(batch: embeddings, k: k, filter: filter) }
    }

    /// The blocking `search(face:k:filter:)`, run on FaceDB's threads.
    public func search(face id: FaceID, k: Int = 10, filter: SearchFilter = .none) async throws -> [FaceMatch] {
        try await WorkThreads.run { try self.search(face: id, k: k, filter: filter) }
    }

    /// The blocking `identify(_:options:)`, run on FaceDB's threads.
    public func identify(_ embedding: [Float], options: IdentificationOptions = IdentificationOptions()) async throws -> Identification {
        try await WorkThreads.run { try self.identify(embedding, options: options) }
    }

    /// The blocking `identify(batch:options:)`, run on FaceDB's threads; cancellation stops it between chunks of 4,096 probes.
    public func identify(batch embeddings: [[Float]], options: IdentificationOptions = IdentificationOptions()) async throws -> [Identification] {
        try await WorkThreads.run { try self.identify(batch: embeddings, options: options) }
    }

    /// The blocking `verify(_:identity:fusion:threshold:)`, run on FaceDB's threads.
    public func verify(_ embedding: [Float], identity: String, fusion: ScoreFusion = .bestFace, threshold: Float? = nil) async throws -> Verification
    {
        try await WorkThreads.run { try self.verify(embedding, identity: identity, fusion: fusion, threshold: threshold) }
    }

    /// The blocking `verify(_:_:threshold:)`, run on FaceDB's threads.
    public func verify(_ a: [Float], _ b: [Float], threshold: Float? = nil) async throws -> Verification {
        try await WorkThreads.run { try self.verify(a, b, threshold: threshold) }
    }

    // MARK: - Calibration

    /// The blocking `calibrate(_:)`, run on FaceDB's threads.
    public func calibrate(_ options: CalibrationOptions = CalibrationOptions()) async throws -> CalibrationReport {
        try await WorkThreads.run { try self.calibrate(options) }
    }

    /// The blocking `calibrate(pairs:options:)`, run on FaceDB's threads.
    public func calibrate(pairs: [EmbeddingPair], options: CalibrationOptions = CalibrationOptions()) async throws -> CalibrationReport {
        try await WorkThreads.run { try self.calibrate(pairs: pairs, options: options) }
    }

    // MARK: - Maintenance

    /// The blocking `checkpoint()`, run on FaceDB's threads.
    public func checkpoint() async throws {
        try await WorkThreads.run { try self.checkpoint() }
    }

    /// The blocking `reindex(_:rebuild:progress:)`, run on FaceDB's threads; cancellation stops the
    /// build between batches and keeps the current index.
    public func reindex(
        _ configuration: IndexConfiguration, rebuild: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws {
        try await WorkThreads.run { try self.reindex(configuration, rebuild: rebuild, progress: progress) }
    }

    /// The blocking `checkIndex(full:sampleSize:seed:)`, run on FaceDB's threads.
    public func checkIndex(full: Bool = false, sampleSize: Int = 1_000, seed: UInt64 = 0x5EED) async throws -> IndexCheck {
        try await WorkThreads.run { try self.checkIndex(full: full, sampleSize: sampleSize, seed: seed) }
    }

    /// The blocking `export(format:to:progress:)`, run on FaceDB's threads; cancellation stops it between blocks of
    /// 4,096 faces and leaves no output file.
    @discardableResult
    public func export(format: ExportFormat, to path: String, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> ExportResult {
        try await WorkThreads.run { try self.export(format: format, to: path, progress: progress) }
    }

    /// The blocking `repair(from:into:options:)`, run on FaceDB's threads.
    public static func repair(from damaged: String, into new: String, options: DatabaseOptions = DatabaseOptions()) async throws -> RepairReport {
        try await WorkThreads.run { try repair(from: damaged, into: new, options: options) }
    }
}
