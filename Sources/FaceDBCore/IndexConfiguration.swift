/// Which approximate-nearest-neighbour index FAISS keeps over the stored faces, and its parameters.
///
/// The index is derived from the store and can be changed at any time by a rebuild
/// (`facedb reindex`). Every kind's candidates are re-scored exactly against the stored vectors.
public struct IndexConfiguration: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The index family.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Exact search over all vectors (FAISS `IndexFlat`).
        case flat
        /// Hierarchical navigable small-world graph (FAISS `IndexHNSWFlat`).
        case hnsw
        /// Inverted file with exact vectors in each list (FAISS `IndexIVFFlat`).
        case ivf
        /// Inverted file with product-quantized vectors (FAISS `IndexIVFPQ`).
        case ivfpq
    }

    /// The index family.
    public var kind: Kind
    /// HNSW: neighbours per node.
    public var hnswM: Int
    /// HNSW: candidate list size while building.
    public var efConstruction: Int
    /// HNSW: candidate list size while searching.
    public var efSearch: Int
    /// IVF: number of inverted lists (k-means centroids).
    public var nlist: Int
    /// IVF: lists visited per query.
    public var nprobe: Int
    /// IVF-PQ: number of sub-quantizers; must divide the dimension.
    public var pqM: Int
    /// IVF-PQ: bits per sub-quantizer code.
    public var pqBits: Int

    /// A configuration with the documented defaults for every parameter not given.
    public init(
        kind: Kind = .flat, hnswM: Int = 32, efConstruction: Int = 80, efSearch: Int = 64,
        nlist: Int = 256, nprobe: Int = 64, pqM: Int = 16, pqBits: Int = 8
    ) {
        self.kind = kind
        self.hnswM = hnswM
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.nlist = nlist
        self.nprobe = nprobe
        self.pqM = pqM
        self.pqBits = pqBits
    }

    /// Exact search.
    public static let flat = IndexConfiguration(kind: .flat)

    /// IVF kinds need this many vectors before k-means is trained (FAISS recommends 39 per list);
    /// until then the index answers exactly.
    public var trainingThreshold: Int { 39 * nlist }

    /// How many candidates to take from the index for a top-`k` answer before exact re-scoring.
    public func candidateCount(for k: Int) -> Int {
        switch kind {
        case .flat: return k
        case .hnsw, .ivf: return k * 2
        case .ivfpq: return k * 40
        }
    }

    /// Whether `other` is the same index but for the search-time parameters (efSearch, nprobe),
    /// which can change without rebuilding.
    public func differsOnlyInSearchParameters(from other: IndexConfiguration) -> Bool {
        var a = self
        a.efSearch = other.efSearch
        a.nprobe = other.nprobe
        return a == other
    }

    /// Checks the parameters against a dimension.
    public func validate(dimension: Int) throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok {
                throw FaceDBError(.invalidArgument, "Invalid index parameter: \(what).",
                                  remedy: "See `facedb create --help` for the ranges.")
            }
        }
        try check((2...512).contains(hnswM), "HNSW M must be 2...512, got \(hnswM)")
        try check((1...4096).contains(efConstruction), "efConstruction must be 1...4096, got \(efConstruction)")
        try check((1...4096).contains(efSearch), "efSearch must be 1...4096, got \(efSearch)")
        try check((1...1 << 20).contains(nlist), "nlist must be 1...1048576, got \(nlist)")
        try check((1...1 << 20).contains(nprobe), "nprobe must be 1...1048576, got \(nprobe)")
        try check([4, 5, 6, 7, 8, 10, 12, 16].contains(pqBits), "PQ bits must be one of 4...8, 10, 12, 16, got \(pqBits)")
        if kind == .ivfpq {
            try check(pqM >= 1 && dimension % pqM == 0, "PQ m (\(pqM)) must divide the dimension (\(dimension))")
        }
    }

    /// A one-line description, e.g. `hnsw(M=32, efConstruction=80, efSearch=64)`.
    public var description: String {
        switch kind {
        case .flat: return "flat"
        case .hnsw: return "hnsw(M=\(hnswM), efConstruction=\(efConstruction), efSearch=\(efSearch))"
        case .ivf: return "ivf(nlist=\(nlist), nprobe=\(nprobe))"
        case .ivfpq: return "ivfpq(nlist=\(nlist), nprobe=\(nprobe), m=\(pqM), bits=\(pqBits))"
        }
    }
}
