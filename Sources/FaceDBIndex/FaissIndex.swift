import CFaiss
import FaceDBCore

/// The single owner of one shim index (`fdb_index*`): a thin, throwing Swift face over
/// `fdb_faiss.h`. It adds no policy (staging, compaction, locking); ``VectorIndex`` does that.
///
/// Calls follow the shim's thread rules: reads may overlap each other, a mutation needs the
/// index to itself. The owner (``VectorIndex``) guarantees this with its lock.
final class FaissIndex {
    private let handle: OpaquePointer

    /// Creates an empty index.
    init(parameters: fdb_index_params) throws {
        var parameters = parameters
        var made: OpaquePointer?
        try withFaissStatus("create a \(Self.kindName(parameters.kind)) index") {
            fdb_index_create(&parameters, &made)
        }
        handle = made!
    }

    /// Restores an index from ``withSerialized(_:)`` bytes; damaged bytes throw
    /// ``FaceDBError/Code/corruption``.
    init(deserializing bytes: UnsafeRawBufferPointer) throws {
        var made: OpaquePointer?
        try withFaissStatus("load the serialized index") {
            fdb_index_deserialize(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &made)
        }
        handle = made!
    }

    deinit {
        fdb_index_destroy(handle)
    }

    /// The parameters the index was made with, with the current search defaults.
    func parameters() throws -> fdb_index_params {
        var out = fdb_index_params()
        try withFaissStatus("report its parameters") { fdb_index_get_params(handle, &out) }
        return out
    }

    /// Changes efConstruction, efSearch, nprobe and the refine factor; the other fields must be unchanged.
    func configure(_ parameters: fdb_index_params) throws {
        var parameters = parameters
        try withFaissStatus("change its parameters") { fdb_index_configure(handle, &parameters) }
    }

    /// Whether vectors can be added (false only for an untrained IVF index).
    func isTrained() throws -> Bool {
        var out: Int32 = 0
        try withFaissStatus("report whether it is trained") { fdb_index_is_trained(handle, &out) }
        return out != 0
    }

    /// Trains an IVF index on row-major vectors; a no-op for flat and HNSW.
    func train(_ vectors: [Float], count: Int) throws {
        try withFaissStatus("train on \(count) vectors") {
            vectors.withUnsafeBufferPointer { fdb_index_train(handle, Int64(count), $0.baseAddress) }
        }
    }

    /// Adds row-major vectors with their ids, all or none.
    func add(ids: [Int64], vectors: [Float]) throws {
        try withFaissStatus("add \(ids.count) vectors") {
            ids.withUnsafeBufferPointer { idp in
                vectors.withUnsafeBufferPointer { fdb_index_add(handle, Int64(idp.count), $0.baseAddress, idp.baseAddress) }
            }
        }
    }

    /// Flat: copies `vectors` into the storage ahead of an ``add(ids:vectors:)`` of the same
    /// vectors, which then only publishes them; searches do not see staged vectors.
    func stage(vectors: [Float], count: Int) throws {
        try withFaissStatus("stage \(count) vectors") {
            vectors.withUnsafeBufferPointer { fdb_index_stage(handle, Int64(count), $0.baseAddress) }
        }
    }

    /// Removes the live vectors among `ids`; returns how many were removed.
    func remove(ids: [Int64]) throws -> Int {
        var removed: Int64 = 0
        try withFaissStatus("remove \(ids.count) vectors") {
            ids.withUnsafeBufferPointer { fdb_index_remove(handle, Int64($0.count), $0.baseAddress, &removed) }
        }
        return Int(removed)
    }

    /// The number of live vectors.
    func count() throws -> Int {
        var out: Int64 = 0
        try withFaissStatus("count its vectors") { fdb_index_count(handle, &out) }
        return Int(out)
    }

    /// HNSW: removed vectors still in the graph.
    func tombstoneCount() throws -> Int {
        var out: Int64 = 0
        try withFaissStatus("count its tombstones") { fdb_index_tombstone_count(handle, &out) }
        return Int(out)
    }

    /// Searches `queryCount` row-major queries; returns `queryCount × k` distances and labels,
    /// rows padded with label -1.
    func search(
        _ queries: [Float], queryCount: Int, k: Int, allowed: [Int64]?, efSearch: Int, nprobe: Int
    ) throws -> (distances: [Float], labels: [Int64]) {
        try searchCall("search", queries, queryCount: queryCount, k: k) { q, d, l in
            func run(_ ids: UnsafePointer<Int64>?, _ n: Int64) -> Int32 {
                fdb_index_search(
                    handle, Int64(queryCount), q, Int64(k), ids, n,
                    Int32(clamping: efSearch), Int32(clamping: nprobe), d, l)
            }
            guard let allowed else { return run(nil, -1) }
            return allowed.withUnsafeBufferPointer { run($0.baseAddress, Int64($0.count)) }
        }
    }

    /// Exact top-`k` over the live vectors by a batched scan of the stored float vectors (BLAS), on
    /// the calling thread; rows padded with label -1.
    func searchExact(_ queries: [Float], queryCount: Int, k: Int) throws -> (distances: [Float], labels: [Int64]) {
        try searchCall("search exactly", queries, queryCount: queryCount, k: k) { q, d, l in
            fdb_index_search_exact(handle, Int64(queryCount), q, Int64(k), d, l)
        }
    }

    /// IVF-PQ: the top-`k` of the compressed codes alone (approximate distances, no re-scoring).
    func searchUnrefined(
        _ queries: [Float], queryCount: Int, k: Int, nprobe: Int
    ) throws -> (distances: [Float], labels: [Int64]) {
        try searchCall("search without refinement", queries, queryCount: queryCount, k: k) { q, d, l in
            fdb_index_search_unrefined(handle, Int64(queryCount), q, Int64(k), Int32(clamping: nprobe), d, l)
        }
    }

    /// Runs one of the shim's search calls with the queries and fresh `queryCount × k` result rows
    /// (distances 0, labels -1), mapping its status (`what` names the operation).
    private func searchCall(
        _ what: String, _ queries: [Float], queryCount: Int, k: Int,
        _ call: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Int64>?) -> Int32
    ) throws -> (distances: [Float], labels: [Int64]) {
        var distances = [Float](repeating: 0, count: queryCount * k)
        var labels = [Int64](repeating: -1, count: queryCount * k)
        try withFaissStatus(what) {
            queries.withUnsafeBufferPointer { q in
                distances.withUnsafeMutableBufferPointer { d in
                    labels.withUnsafeMutableBufferPointer { l in call(q.baseAddress, d.baseAddress, l.baseAddress) }
                }
            }
        }
        return (distances, labels)
    }

    /// The live ids, in no particular order.
    func ids() throws -> [Int64] {
        let expected = try count()
        var written: Int64 = 0
        var ids = [Int64](repeating: 0, count: expected)
        try withFaissStatus("list its ids") {
            ids.withUnsafeMutableBufferPointer { fdb_index_ids(handle, $0.baseAddress, Int64(expected), &written) }
        }
        return ids
    }

    /// The stored vectors of live `ids`, row-major, exactly as added.
    func reconstruct(ids: [Int64], dimension: Int) throws -> [Float] {
        var out = [Float](repeating: 0, count: ids.count * dimension)
        try withFaissStatus("read back \(ids.count) vectors") {
            ids.withUnsafeBufferPointer { idp in
                out.withUnsafeMutableBufferPointer { fdb_index_reconstruct(handle, Int64(idp.count), idp.baseAddress, $0.baseAddress) }
            }
        }
        return out
    }

    /// HNSW, IVF-PQ: drops the tombstones (HNSW rebuilds its graph).
    func compact() throws {
        try withFaissStatus("compact away removed vectors") { fdb_index_compact(handle) }
    }

    /// An estimate of the memory the index uses, in bytes.
    func memoryUsage() throws -> Int {
        var out: Int64 = 0
        try withFaissStatus("estimate its memory use") { fdb_index_memory_usage(handle, &out) }
        return Int(out)
    }

    /// HNSW: live nodes that level-0 links do not lead to from the entry point (0 for other kinds).
    func unreachableCount() throws -> Int {
        var out: Int64 = 0
        try withFaissStatus("count unreachable graph nodes") { fdb_index_hnsw_unreachable(handle, &out) }
        return Int(out)
    }

    /// Serializes the index and lends the bytes to `body` (they are freed afterwards).
    func withSerialized<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        var buffer: UnsafeMutablePointer<UInt8>?
        var length = 0
        try withFaissStatus("serialize the index") { fdb_index_serialize(handle, &buffer, &length) }
        defer { fdb_index_buffer_free(buffer) }
        return try body(UnsafeRawBufferPointer(start: buffer, count: length))
    }

    /// The number of bytes ``serialize(to:)`` passes on for the index as it is.
    func serializedSize() throws -> Int {
        var length: UInt64 = 0
        try withFaissStatus("measure the serialized index") { fdb_index_serialized_size(handle, &length) }
        return Int(length)
    }

    /// Serializes the index by passing its bytes, in order, to `write`, straight from the index's
    /// memory (no copy of the index). An error thrown by `write` stops it and is rethrown.
    func serialize(to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withoutActuallyEscaping(write) { write in
            let sink = SerializationSink(write)
            let status = withExtendedLifetime(sink) {
                fdb_index_serialize_to(
                    handle,
                    { context, bytes, count in
                        let sink = Unmanaged<SerializationSink>.fromOpaque(context!).takeUnretainedValue()
                        do {
                            try sink.write(UnsafeRawBufferPointer(start: bytes, count: count))
                            return 0
                        } catch {
                            sink.error = error
                            return 1
                        }
                    }, Unmanaged.passUnretained(sink).toOpaque())
            }
            if let error = sink.error { throw error }
            try withFaissStatus("serialize the index") { status }
        }
    }

    /// The shim parameters for a configuration. `kind` overrides the configured kind (the
    /// flat staging index of IVF kinds uses `FDB_KIND_FLAT`).
    static func parameters(
        for configuration: IndexConfiguration, dimension: Int, metric: Metric, kind: fdb_kind? = nil
    ) -> fdb_index_params {
        let configured: fdb_kind
        switch configuration.kind {
        case .flat: configured = FDB_KIND_FLAT
        case .hnsw: configured = FDB_KIND_HNSW
        case .ivf: configured = FDB_KIND_IVF_FLAT
        case .ivfpq: configured = FDB_KIND_IVF_PQ
        }
        let faissMetric = metric == .l2 ? FDB_METRIC_L2 : FDB_METRIC_INNER_PRODUCT
        return fdb_index_params(
            kind: Int32((kind ?? configured).rawValue), metric: Int32(faissMetric.rawValue),
            dim: Int32(clamping: dimension), hnsw_m: Int32(clamping: configuration.hnswM),
            ef_construction: Int32(clamping: configuration.efConstruction),
            ef_search: Int32(clamping: configuration.efSearch), nlist: Int32(clamping: configuration.nlist),
            nprobe: Int32(clamping: configuration.nprobe), pq_m: Int32(clamping: configuration.pqM),
            pq_bits: Int32(clamping: configuration.pqBits),
            refine_factor: Int32(clamping: IndexConfiguration.ivfpqRefineFactor))
    }

    /// A readable name for a shim kind.
    static func kindName(_ kind: Int32) -> String {
        switch UInt32(bitPattern: kind) {
        case FDB_KIND_FLAT.rawValue: return "flat"
        case FDB_KIND_HNSW.rawValue: return "HNSW"
        case FDB_KIND_IVF_FLAT.rawValue: return "IVF-Flat"
        case FDB_KIND_IVF_PQ.rawValue: return "IVF-PQ"
        default: return "unknown (\(kind))"
        }
    }
}

@available(*, unavailable, message: "FaissIndex is not thread-safe; share a VectorIndex, which locks around it.")
extension FaissIndex: Sendable {}

/// The Swift side of `fdb_index_serialize_to`'s callback: the function bytes go to, and the error
/// that stopped it (Swift errors never cross the C layer).
private final class SerializationSink {
    let write: (UnsafeRawBufferPointer) throws -> Void
    var error: (any Error)?

    init(_ write: @escaping (UnsafeRawBufferPointer) throws -> Void) { self.write = write }
}
