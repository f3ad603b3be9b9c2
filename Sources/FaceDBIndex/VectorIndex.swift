import CFaiss
import FaceDBCore

/// The approximate-nearest-neighbour index over the stored faces: the policy layer over FAISS
/// that the database uses.
///
/// - **Thread safety**: any number of searches and reads run at once; adds, removals, training
///   and compaction take the index exclusively.
/// - **Ids** are face ids (non-negative, unique). A batch with a negative, repeated or already
///   indexed id is rejected as a whole.
/// - **Metric**: ``Metric/l2`` searches by Euclidean distance; ``Metric/cosine`` and
///   ``Metric/innerProduct`` by inner product (the caller normalizes vectors for cosine). Hits carry
///   scores in the metric's natural unit (``Metric/score(fromIndexDistance:)``): FAISS's squared
///   L2 distances are converted here, so no caller sees them.
/// - **IVF kinds** need k-means training. Until ``IndexConfiguration/trainingThreshold`` vectors
///   have arrived they are kept in an exact flat *staging* index (answers are exact); the add that
///   reaches the threshold trains on everything staged and moves it into the IVF index.
///   ``train(sample:)`` does the same on demand.
/// - **IVF-PQ** (trained) is FAISS's `IndexRefineFlat` around an `IndexIVFPQ`: the PQ codes propose
///   `k ×` ``IndexConfiguration/ivfpqRefineFactor`` candidates and the index re-scores them against an
///   exact float copy of the vectors, so every kind returns exact distances.
/// - **HNSW and IVF-PQ** cannot delete from their FAISS structures: removed vectors become tombstones
///   that searches skip, dropped once they exceed 10% of the stored vectors (HNSW rebuilds its
///   graph; IVF-PQ deletes their codes and copies without re-encoding the rest).
/// - **efSearch** of an HNSW index with a ``IndexConfiguration/recallTarget`` comes from
///   ``tuneEfSearch(sampleSize:)``; until the first tuning it is the configured value.
///
/// The index is derived data: it can always be rebuilt from the store.
package final class VectorIndex: @unchecked Sendable {
    /// One search candidate; see ``FaceDBIndex/IndexHit``.
    package typealias IndexHit = FaceDBIndex.IndexHit

    /// The index family and parameters.
    package let configuration: IndexConfiguration
    /// The length of every vector.
    package let dimension: Int
    /// How vectors are compared.
    package let metric: Metric

    /// HNSW graphs are rebuilt when tombstones exceed this fraction of the stored vectors.
    static let compactionFraction = 0.10

    private let lock = ReadWriteLock()
    /// Guarded by `lock`: the configured index, or for IVF kinds before training the flat staging index.
    private var index: FaissIndex
    /// Guarded by `lock`: whether `index` is the staging index.
    private var staging: Bool
    /// Guarded by `lock`: why the last automatic compaction failed, if it did.
    private var compactionFailure: String?
    /// Guarded by `lock`: the last efSearch tuning (only for configurations that tune it).
    private var tuning: EfSearchTuning?

    /// Makes an empty index.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a dimension out of range or parameters
    ///   that do not fit it (see ``IndexConfiguration/validate(dimension:)``).
    package init(configuration: IndexConfiguration, dimension: Int, metric: Metric) throws {
        try Self.validate(configuration, dimension: dimension)
        self.configuration = configuration
        self.dimension = dimension
        self.metric = metric
        staging = configuration.kind.needsTraining
        let kind: fdb_kind? = staging ? FDB_KIND_FLAT : nil
        index = try FaissIndex(
            parameters: FaissIndex.parameters(for: configuration, dimension: dimension, metric: metric, kind: kind))
    }

    private init(configuration: IndexConfiguration, dimension: Int, metric: Metric, index: FaissIndex, staging: Bool) {
        self.configuration = configuration
        self.dimension = dimension
        self.metric = metric
        self.index = index
        self.staging = staging
    }

    // MARK: State

    /// The number of searchable vectors.
    package var count: Int {
        lock.withReadLock { (try? index.count()) ?? 0 }
    }

    /// HNSW, IVF-PQ: removed vectors still held until the next compaction (0 for other kinds).
    package var tombstones: Int {
        lock.withReadLock { (try? index.tombstoneCount()) ?? 0 }
    }

    /// False for IVF kinds while vectors are staged for training; true otherwise.
    package var isTrained: Bool {
        lock.withReadLock { !staging }
    }

    /// A short description of the state for status displays, e.g. `"ready"` or
    /// `"exact until 9984 vectors (IVF training pending)"`.
    package var stateDescription: String {
        lock.withReadLock {
            if staging {
                return "exact until \(automaticTrainingCount) vectors (IVF training pending)"
            }
            var text = "ready"
            let tombstones = (try? index.tombstoneCount()) ?? 0
            if tombstones > 0 { text += " (\(tombstones) removed vectors awaiting compaction)" }
            if let compactionFailure { text += " (last compaction failed: \(compactionFailure))" }
            return text
        }
    }

    /// An estimate of the memory the index holds, in bytes (IVF-PQ includes its exact copy of the
    /// vectors: 4 × dimension bytes per face).
    package var estimatedMemoryBytes: Int {
        lock.withReadLock { (try? index.memoryUsage()) ?? 0 }
    }

    /// HNSW: how many stored vectors the graph's links do not lead to from its entry point, so that
    /// no search can return them. Adds of 1% of the graph or more, compaction and loading link such
    /// vectors, so this is 0 except after smaller adds; 0 for other kinds.
    package var unreachableCount: Int {
        lock.withReadLock { (try? index.unreachableCount()) ?? 0 }
    }

    /// HNSW: the efSearch searches use — the tuned value once tuned, else the configured one; nil
    /// for other kinds.
    package var efSearch: Int? {
        guard configuration.kind == .hnsw else { return nil }
        return lock.withReadLock { currentEfSearch }
    }

    /// The last efSearch tuning, when the configuration tunes efSearch and it has run.
    package var efSearchTuning: EfSearchTuning? {
        lock.withReadLock { tuning }
    }

    /// Whether ``tuneEfSearch(sampleSize:)`` should run: the configuration tunes efSearch, the
    /// index holds at least ``IndexConfiguration/minimumTuningCount`` vectors, and it was never
    /// tuned, was tuned for another target, or has doubled since.
    package var isTuningDue: Bool {
        guard configuration.tunesEfSearch, let target = configuration.recallTarget else { return false }
        return lock.withReadLock {
            let live = (try? index.count()) ?? 0
            guard live >= IndexConfiguration.minimumTuningCount else { return false }
            guard let tuning, tuning.target == target else { return true }
            return live >= 2 * tuning.faces
        }
    }

    /// Called holding `lock`: the efSearch in effect.
    private var currentEfSearch: Int {
        tuning?.efSearch ?? configuration.efSearch
    }

    /// Records a tuning result (from a measurement or a snapshot) and sets the index's efSearch to
    /// it; ignored unless the configuration tunes efSearch.
    package func adopt(_ tuning: EfSearchTuning?) throws {
        guard configuration.tunesEfSearch else { return }
        try lock.withWriteLock {
            var parameters = try index.parameters()
            parameters.ef_search = Int32(clamping: tuning?.efSearch ?? configuration.efSearch)
            try index.configure(parameters)
            self.tuning = tuning
        }
    }

    /// IVF kinds: the fewest vectors k-means accepts (one per list; for IVF-PQ also one per code).
    var minimumTrainingCount: Int {
        switch configuration.kind {
        case .flat, .hnsw: return 0
        case .ivf: return configuration.nlist
        case .ivfpq: return max(configuration.nlist, 1 << configuration.pqBits)
        }
    }

    /// IVF kinds: the count at which staged vectors are trained on automatically.
    var automaticTrainingCount: Int {
        max(configuration.trainingThreshold, minimumTrainingCount)
    }

    // MARK: Changes

    /// Adds vectors with their face ids.
    ///
    /// - Parameters:
    ///   - ids: non-negative face ids, none repeated or already indexed.
    ///   - vectors: `ids.count × dimension` floats, row-major.
    /// - Throws: ``FaceDBError/Code/dimensionMismatch`` or ``FaceDBError/Code/invalidArgument``
    ///   for a malformed batch; nothing is added then.
    package func add(ids: [Int64], vectors: [Float]) throws {
        try checkBatch(ids: ids, vectors: vectors)
        if ids.isEmpty { return }
        try lock.withWriteLock {
            guard staging, try index.count() + ids.count >= automaticTrainingCount else {
                try index.add(ids: ids, vectors: vectors)
                return
            }
            // This batch reaches the training threshold: train on all staged vectors plus the
            // batch, fill a new IVF index, and switch to it only when all of that succeeded.
            let stagedIDs = try index.ids()
            try Self.checkNewIDs(ids, staged: stagedIDs)
            let stagedVectors = try index.reconstruct(ids: stagedIDs, dimension: dimension)
            let trained = try makeTrainedIndex(sample: stagedVectors + vectors)
            try trained.add(ids: stagedIDs, vectors: stagedVectors)
            try trained.add(ids: ids, vectors: vectors)
            index = trained
            staging = false
        }
    }

    /// Copies `vectors` (row-major) into a Flat index's storage ahead of an ``add(ids:vectors:)``
    /// of the same vectors, which then only publishes them. Searches do not see staged vectors;
    /// the next add of other vectors or a removal discards them. For other kinds, or a malformed
    /// batch, it does nothing: the add does all the work.
    ///
    /// Lets a caller copy the vectors while it waits for something else — the database stages a
    /// write's vectors while the store writes them.
    package func stage(vectors: [Float]) throws {
        guard configuration.kind == .flat, !vectors.isEmpty, vectors.count % dimension == 0 else { return }
        try lock.withWriteLock { try index.stage(vectors: vectors, count: vectors.count / dimension) }
    }

    /// Removes the vectors of `ids`; ids not in the index are ignored.
    ///
    /// - Returns: how many vectors were removed.
    @discardableResult
    package func remove(ids: [Int64]) throws -> Int {
        if ids.isEmpty { return 0 }
        return try lock.withWriteLock {
            let removed = try index.remove(ids: ids)
            if removed > 0 { compactIfWorthwhile() }
            return removed
        }
    }

    /// Trains an IVF index on `sample` (row-major vectors) now instead of waiting for the
    /// threshold, and moves any staged vectors into it. A no-op for flat and HNSW.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` if the sample is smaller than
    ///   nlist (IVF-PQ: also 2^pqBits) vectors; ``FaceDBError/Code/unsupported`` if the index is
    ///   already trained and holds vectors (rebuild it instead).
    package func train(sample: [Float]) throws {
        guard sample.count % dimension == 0 else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: sample.count, what: "training sample")
        }
        guard configuration.kind.needsTraining else { return }
        let n = sample.count / dimension
        guard n >= minimumTrainingCount else {
            throw FaceDBError(
                .invalidArgument, "The training sample has \(n) vectors; \(configuration) needs at least \(minimumTrainingCount).",
                remedy: "Train on more vectors, or let the index train itself at \(automaticTrainingCount) vectors.")
        }
        try lock.withWriteLock {
            if staging {
                let stagedIDs = try index.ids()
                let stagedVectors = try index.reconstruct(ids: stagedIDs, dimension: dimension)
                let trained = try makeTrainedIndex(sample: sample)
                try trained.add(ids: stagedIDs, vectors: stagedVectors)
                index = trained
                staging = false
            } else if try index.count() == 0 {
                index = try makeTrainedIndex(sample: sample)
            } else {
                throw FaceDBError(
                    .unsupported, "The IVF index is already trained and holds vectors; it cannot be retrained in place.",
                    remedy: "Rebuild the index (facedb reindex) to train it again.")
            }
        }
    }

    /// HNSW, IVF-PQ: drops the tombstones now (HNSW rebuilds its graph). A no-op for other kinds.
    package func compact() throws {
        try lock.withWriteLock {
            try index.compact()
            compactionFailure = nil
        }
    }

    // MARK: Queries

    /// The nearest vectors to each query, best first.
    ///
    /// - Parameters:
    ///   - queries: one or more queries, `dimension` floats each, row-major.
    ///   - k: how many hits per query at most.
    ///   - allowed: when given, only these ids may be returned.
    /// - Returns: one row of at most `k` hits per query; empty rows for `k <= 0`, an empty index
    ///   or an empty `allowed`.
    /// - Throws: ``FaceDBError/Code/dimensionMismatch`` if `queries` is not a whole number of
    ///   `dimension`-long vectors.
    package func search(_ queries: [Float], k: Int, allowed: [Int64]? = nil) throws -> [[IndexHit]] {
        guard queries.count % dimension == 0 else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: queries.count, what: "query")
        }
        let queryCount = queries.count / dimension
        let none = [[IndexHit]](repeating: [], count: queryCount)
        if queryCount == 0 || k <= 0 || allowed?.isEmpty == true { return none }
        return try lock.withReadLock {
            let live = try index.count()
            if live == 0 { return none }
            let width = min(k, live, allowed?.count ?? live)
            let (distances, labels) = try index.search(
                queries, queryCount: queryCount, k: width, allowed: allowed,
                efSearch: currentEfSearch, nprobe: configuration.nprobe)
            return hitRows(distances, labels, queryCount: queryCount, width: width)
        }
    }

    /// HNSW: ``search(_:k:allowed:)`` as if the index's efSearch were `efSearch` (for measuring).
    ///
    /// FAISS 1.7.3 caps a per-call efSearch at the index's own (its candidate heap is sized by the
    /// index's value) and explores differently below it, so the index's own value is set for the
    /// call and restored after, holding the index exclusively. Queries run in batches of 32, so that
    /// other searches wait for one batch at most.
    func search(_ queries: [Float], k: Int, efSearch: Int) throws -> [[IndexHit]] {
        guard queries.count % dimension == 0 else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: queries.count, what: "query")
        }
        let queryCount = queries.count / dimension
        var rows: [[IndexHit]] = []
        rows.reserveCapacity(queryCount)
        for start in stride(from: 0, to: queryCount, by: 32) {
            let end = min(start + 32, queryCount)
            let batch = Array(queries[start * dimension..<end * dimension])
            try lock.withWriteLock {
                let live = try index.count()
                guard live > 0, k > 0 else {
                    rows += [[IndexHit]](repeating: [], count: end - start)
                    return
                }
                let saved = try index.parameters()
                var trial = saved
                trial.ef_search = Int32(clamping: efSearch)
                try index.configure(trial)
                defer { try? index.configure(saved) }
                let width = min(k, live)
                let (distances, labels) = try index.search(
                    batch, queryCount: end - start, k: width, allowed: nil, efSearch: efSearch, nprobe: configuration.nprobe)
                rows += hitRows(distances, labels, queryCount: end - start, width: width)
            }
        }
        return rows
    }

    /// The exact top-`k` of each query over the live vectors, by a batched scan of the stored
    /// float vectors (FAISS with BLAS, on the calling thread). For IVF kinds still staging, the
    /// staging index is exact anyway.
    func searchExact(_ queries: [Float], k: Int) throws -> [[IndexHit]] {
        guard queries.count % dimension == 0 else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: queries.count, what: "query")
        }
        let queryCount = queries.count / dimension
        if queryCount == 0 || k <= 0 { return [[IndexHit]](repeating: [], count: queryCount) }
        return try lock.withReadLock {
            let width = max(1, min(k, try index.count()))
            let (distances, labels) = try index.searchExact(queries, queryCount: queryCount, k: width)
            return hitRows(distances, labels, queryCount: queryCount, width: width)
        }
    }

    /// IVF-PQ: the top-`k` of the product-quantized codes alone, with their approximate distances
    /// and no exact re-scoring — what a bare FAISS `IndexIVFPQ` answers (for benchmarks that show
    /// what re-scoring costs and gains).
    /// - Throws: `.invalidArgument` for other kinds and for an IVF-PQ index still staging.
    package func searchWithoutRefinement(_ queries: [Float], k: Int) throws -> [[IndexHit]] {
        guard queries.count % dimension == 0 else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: queries.count, what: "query")
        }
        let queryCount = queries.count / dimension
        return try lock.withReadLock {
            guard configuration.kind == .ivfpq, !staging else {
                throw FaceDBError(
                    .invalidArgument, "Only a trained IVF-PQ index searches without refinement.",
                    remedy: "Use search(_:k:allowed:).")
            }
            let (distances, labels) = try index.searchUnrefined(
                queries, queryCount: queryCount, k: k, nprobe: configuration.nprobe)
            return hitRows(distances, labels, queryCount: queryCount, width: k)
        }
    }

    /// Splits shim results into rows of hits with natural-unit scores, dropping the -1 padding.
    private func hitRows(_ distances: [Float], _ labels: [Int64], queryCount: Int, width: Int) -> [[IndexHit]] {
        (0..<queryCount).map { row in
            (row * width..<(row + 1) * width).compactMap { i in
                labels[i] >= 0 ? IndexHit(id: labels[i], score: metric.score(fromIndexDistance: distances[i])) : nil
            }
        }
    }

    /// Up to `count` live vectors drawn at random (seeded), with their ids, and the number of live
    /// vectors, read together so that none is removed in between.
    func sampleStoredVectors(_ count: Int, seed: UInt64) throws -> (live: Int, ids: [Int64], vectors: [Float]) {
        try lock.withReadLock {
            var ids = try index.ids().sorted()
            var generator = SplitMix64(seed: seed)
            let n = min(count, ids.count)
            for i in 0..<n {  // a partial Fisher–Yates shuffle
                ids.swapAt(i, i + Int(generator.next() % UInt64(ids.count - i)))
            }
            let chosen = Array(ids.prefix(n))
            return (ids.count, chosen, try index.reconstruct(ids: chosen, dimension: dimension))
        }
    }

    /// Every indexed face id, ascending.
    package func allIDs() throws -> [Int64] {
        try lock.withReadLock { try index.ids() }.sorted()
    }

    /// The stored vectors of `ids`, row-major, exactly as added (IVF-PQ reads its exact copy).
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` if an id is not indexed.
    package func vectors(for ids: [Int64]) throws -> [Float] {
        try lock.withReadLock { try index.reconstruct(ids: ids, dimension: dimension) }
    }

    // MARK: Serialization

    /// The index as bytes for ``deserialize(_:configuration:dimension:metric:)`` (the shim's
    /// payload layout, see `Schemas/index-snapshot.md`).
    package func serialized() throws -> [UInt8] {
        try withSerialized { Array($0) }
    }

    /// Lends the serialized bytes to `body` without copying them; searches may run meanwhile.
    func withSerialized<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try lock.withReadLock { try index.withSerialized(body) }
    }

    /// Passes the bytes of ``serialized()`` to `write` without a copy of the index: first their
    /// count to `begin`, then the bytes in order (in pieces of any size). Changes to the index
    /// wait until it returns; searches may run meanwhile.
    func serialize(
        begin: (_ count: Int) throws -> Void, write: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try lock.withReadLock {
            let count = try index.serializedSize()
            try begin(count)
            var passed = 0
            try index.serialize { bytes in
                passed += bytes.count
                try write(bytes)
            }
            guard passed == count else {
                throw FaceDBError(
                    .indexFailure, "The serialized index has \(passed) bytes, not the \(count) announced.",
                    remedy: "Rebuild the index (facedb reindex); the stored faces are not affected.")
            }
        }
    }

    /// Restores an index from ``serialized()`` bytes.
    ///
    /// Search parameters (efSearch, nprobe, efConstruction) come from `configuration`; the
    /// structural ones (kind, metric, dimension, HNSW M, nlist, PQ m and bits) must match the bytes.
    ///
    /// - Throws: ``FaceDBError/Code/corruption`` for damaged bytes or bytes of another index shape;
    ///   ``FaceDBError/Code/invalidArgument`` for an invalid configuration.
    package static func deserialize(
        _ bytes: [UInt8], configuration: IndexConfiguration, dimension: Int, metric: Metric
    ) throws -> VectorIndex {
        try bytes.withUnsafeBytes {
            try deserialize($0, configuration: configuration, dimension: dimension, metric: metric)
        }
    }

    /// A copy of this index with other search-time parameters (efSearch, its recall target,
    /// nprobe), without rebuilding: the index is serialized and restored with `configuration`, which
    /// must differ from this one only in those parameters. An efSearch tuning carries over when the
    /// recall target is unchanged.
    /// - Throws: `.invalidArgument` when anything else differs (that needs a rebuild).
    package func withSearchParameters(of configuration: IndexConfiguration) throws -> VectorIndex {
        guard configuration.differsOnlyInSearchParameters(from: self.configuration) else {
            throw FaceDBError(
                .invalidArgument, "Only efSearch, its recall target and nprobe can change without a rebuild.",
                remedy: "Rebuild the index for other parameters.")
        }
        let copy = try VectorIndex.deserialize(try serialized(), configuration: configuration, dimension: dimension, metric: metric)
        if let tuning = efSearchTuning, tuning.target == configuration.recallTarget { try copy.adopt(tuning) }
        return copy
    }

    /// Restores an index from serialized bytes in place (see the `[UInt8]` overload).
    static func deserialize(
        _ bytes: UnsafeRawBufferPointer, configuration: IndexConfiguration, dimension: Int, metric: Metric
    ) throws -> VectorIndex {
        try validate(configuration, dimension: dimension)
        let restored = try FaissIndex(deserializing: bytes)
        let found = try restored.parameters()
        let wanted = FaissIndex.parameters(for: configuration, dimension: dimension, metric: metric)
        let stagingShape = FaissIndex.parameters(
            for: configuration, dimension: dimension, metric: metric, kind: FDB_KIND_FLAT)

        if sameShape(found, wanted) {
            try restored.configure(wanted)
            if configuration.kind.needsTraining, try !restored.isTrained() {
                // An untrained IVF index holds nothing; stage like a new one.
                return try VectorIndex(configuration: configuration, dimension: dimension, metric: metric)
            }
            return VectorIndex(
                configuration: configuration, dimension: dimension, metric: metric, index: restored, staging: false)
        }
        if configuration.kind.needsTraining, sameShape(found, stagingShape) {
            return VectorIndex(
                configuration: configuration, dimension: dimension, metric: metric, index: restored, staging: true)
        }
        throw FaceDBError(
            .corruption,
            "The index data holds a \(FaissIndex.kindName(found.kind)) index of dimension \(found.dim), "
                + "which does not match \(configuration) of dimension \(dimension) with the \(metric.rawValue) metric.",
            remedy: "Delete the index snapshot; the index is rebuilt from the store.")
    }

    // MARK: Helpers

    /// A new IVF index of the configured kind, trained on `sample`.
    private func makeTrainedIndex(sample: [Float]) throws -> FaissIndex {
        let trained = try FaissIndex(
            parameters: FaissIndex.parameters(for: configuration, dimension: dimension, metric: metric))
        try trained.train(sample, count: sample.count / dimension)
        return trained
    }

    /// Drops the tombstones if they exceed ``compactionFraction`` of the stored vectors (HNSW,
    /// IVF-PQ). Called holding the write lock. A failed compaction leaves the index as it was (the
    /// removal stands) and is retried after the next removal; ``stateDescription`` reports it.
    private func compactIfWorthwhile() {
        guard let tombstones = try? index.tombstoneCount(), let live = try? index.count() else { return }
        guard Double(tombstones) > Self.compactionFraction * Double(live + tombstones) else { return }
        do {
            try index.compact()
            compactionFailure = nil
        } catch {
            compactionFailure = "\(error)"
        }
    }

    private func checkBatch(ids: [Int64], vectors: [Float]) throws {
        guard vectors.count != ids.count * dimension else { return }
        if !ids.isEmpty, vectors.count % ids.count == 0 {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: vectors.count / ids.count)
        }
        throw FaceDBError(
            .invalidArgument, "\(ids.count) ids were given with \(vectors.count) floats; expected \(ids.count * dimension).",
            remedy: "Pass one \(dimension)-float vector per id, row after row.")
    }

    /// Rejects a batch with a negative id, a repeated id or an id already staged, before any
    /// training work is done. (Outside that path the shim checks the same, atomically.)
    private static func checkNewIDs(_ ids: [Int64], staged: [Int64]) throws {
        if let negative = ids.first(where: { $0 < 0 }) {
            throw FaceDBError(
                .invalidArgument, "The face id \(negative) is negative.",
                remedy: "Face ids are non-negative.", faceID: FaceID(negative))
        }
        var seen = Set(staged)
        for id in ids where !seen.insert(id).inserted {
            throw FaceDBError(
                .invalidArgument, "The face id \(id) is already in the index or repeated in the batch.",
                remedy: "Remove the old vector first, or use a new id.", faceID: FaceID(id))
        }
    }

    private static func validate(_ configuration: IndexConfiguration, dimension: Int) throws {
        guard IndexConfiguration.Limits.dimension.contains(dimension) else {
            throw FaceDBError(
                .invalidArgument, "The dimension \(dimension) is out of range.",
                remedy: "Give the embedding length, between 1 and \(IndexConfiguration.Limits.dimension.upperBound).")
        }
        try configuration.validate(dimension: dimension)
    }

    /// Whether two shim parameter sets describe the same index structure (search-time
    /// parameters may differ).
    private static func sameShape(_ a: fdb_index_params, _ b: fdb_index_params) -> Bool {
        guard a.kind == b.kind, a.metric == b.metric, a.dim == b.dim else { return false }
        switch UInt32(bitPattern: a.kind) {
        case FDB_KIND_HNSW.rawValue: return a.hnsw_m == b.hnsw_m
        case FDB_KIND_IVF_FLAT.rawValue: return a.nlist == b.nlist
        case FDB_KIND_IVF_PQ.rawValue: return a.nlist == b.nlist && a.pq_m == b.pq_m && a.pq_bits == b.pq_bits
        default: return true
        }
    }
}

extension IndexConfiguration.Kind {
    /// Whether the kind needs k-means training before vectors can be added (the IVF kinds).
    var needsTraining: Bool { self == .ivf || self == .ivfpq }
}
