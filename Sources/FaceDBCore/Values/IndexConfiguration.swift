/// Which approximate-nearest-neighbour index FAISS keeps over the stored faces, and its parameters.
///
/// The index is derived from the store and can be changed at any time by a rebuild
/// (`facedb reindex`). Every kind returns exact distances: Flat, HNSW and IVF-Flat search exact
/// copies of the stored vectors, and IVF-PQ re-scores its candidates against one.
public struct IndexConfiguration: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The index family.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Exact search over all vectors (FAISS `IndexFlat`).
        case flat
        /// Hierarchical navigable small-world graph (FAISS `IndexHNSWFlat`).
        case hnsw
        /// Inverted file with exact vectors in each list (FAISS `IndexIVFFlat`).
        case ivf
        /// Inverted file with product-quantized vectors whose candidates are re-scored exactly
        /// (FAISS `IndexRefineFlat` around `IndexIVFPQ`; see ``IndexConfiguration/ivfpqRefineFactor``).
        case ivfpq
    }

    /// The index family.
    public var kind: Kind
    /// HNSW: neighbours per node.
    public var hnswM: Int
    /// HNSW: candidate list size while building.
    public var efConstruction: Int
    /// HNSW: candidate list size while searching. With a ``recallTarget`` this is only the value
    /// used until the first tuning; setting it makes it explicit (clears ``recallTarget``).
    public var efSearch: Int {
        didSet { recallTarget = nil }
    }
    /// HNSW: when set, efSearch is tuned automatically — the smallest of
    /// ``efSearchCandidates`` whose measured recall@10 reaches this target — when the index is built
    /// and again each time it has doubled. `nil`: ``efSearch`` is used as given.
    public var recallTarget: Double?
    /// IVF: number of inverted lists (k-means centroids).
    public var nlist: Int
    /// IVF: lists visited per query.
    public var nprobe: Int
    /// IVF-PQ: number of sub-quantizers; must divide the dimension.
    public var pqM: Int
    /// IVF-PQ: bits per sub-quantizer code.
    public var pqBits: Int

    /// The efSearch of HNSW before any tuning, and the default of an explicit one.
    public static let defaultEfSearch = 64
    /// The recall@10 that automatic efSearch tuning aims for unless told otherwise.
    public static let defaultRecallTarget = 0.98
    /// The efSearch values automatic tuning chooses from, smallest first.
    public static let efSearchCandidates = [32, 64, 128, 256, 512, 1024, 2048]
    /// Automatic tuning waits until the index holds this many faces; smaller HNSW indexes keep
    /// ``defaultEfSearch`` (at these sizes its search is nearly exact).
    public static let minimumTuningCount = 1_000
    /// IVF-PQ: a top-`k` search takes `k ×` this many candidates from the product-quantized codes and
    /// re-scores them exactly against the index's float copy of the stored vectors (FAISS
    /// `IndexRefineFlat`'s `k_factor`). The copy costs 4 × dimension bytes per face.
    public static let ivfpqRefineFactor = 40

    /// A configuration with the documented defaults for every parameter not given.
    ///
    /// - Parameters:
    ///   - efSearch: HNSW's search list size; `nil` (the default) tunes it automatically to reach
    ///     `recallTarget`. A value given here is used as is and never tuned.
    ///   - recallTarget: the recall@10 automatic tuning aims for (``defaultRecallTarget`` when
    ///     nil); ignored when `efSearch` is given.
    public init(
        kind: Kind = .flat, hnswM: Int = 32, efConstruction: Int = 80, efSearch: Int? = nil,
        recallTarget: Double? = nil, nlist: Int = 256, nprobe: Int = 64, pqM: Int = 16, pqBits: Int = 8
    ) {
        self.kind = kind
        self.hnswM = hnswM
        self.efConstruction = efConstruction
        self.efSearch = efSearch ?? Self.defaultEfSearch
        self.recallTarget = efSearch == nil ? (recallTarget ?? Self.defaultRecallTarget) : nil
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

    /// Whether HNSW's efSearch is tuned automatically (an HNSW index with a ``recallTarget``).
    public var tunesEfSearch: Bool { kind == .hnsw && recallTarget != nil }

    /// Whether `other` is the same index but for the search-time parameters (efSearch, its recall
    /// target, nprobe), which can change without rebuilding.
    public func differsOnlyInSearchParameters(from other: IndexConfiguration) -> Bool {
        var a = self
        a.efSearch = other.efSearch
        a.recallTarget = other.recallTarget
        a.nprobe = other.nprobe
        return a == other
    }

    /// The ranges index parameters must lie in: FaceDB's one table of parameter limits.
    ///
    /// The C layer over FAISS checks the same numbers, which its public header `fdb_faiss.h` defines
    /// as `FDB_LIMIT_*` (FaceDBCore cannot import it; `ParameterLimitsTests` in FaceDBIndexTests
    /// asserts that both tables are equal and that both sides accept and refuse the same boundary
    /// values). The C layer checks only the parameters of the index's kind; ``validate(dimension:)``
    /// checks every one of them (except PQ m, which only IVF-PQ checks).
    ///
    /// efConstruction and efSearch stop at 4096: the automatic efSearch tuning tries at most 2048
    /// (``IndexConfiguration/efSearchCandidates``), and a per-call efSearch is capped by FAISS at the
    /// index's own, so the index never needs more; a larger efConstruction only makes builds slower.
    public enum Limits {
        /// The vector length (``EmbeddingSpace/maximumDimension``).
        public static let dimension = 1...EmbeddingSpace.maximumDimension
        /// HNSW: neighbours per node.
        public static let hnswM = 2...512
        /// HNSW: candidate list size while building.
        public static let efConstruction = 1...4096
        /// HNSW: candidate list size while searching.
        public static let efSearch = 1...4096
        /// IVF: number of inverted lists.
        public static let nlist = 1...(1 << 20)
        /// IVF: lists visited per query.
        public static let nprobe = 1...(1 << 20)
        /// IVF-PQ: the fewest sub-quantizers (they must also divide the dimension).
        public static let pqMMinimum = 1
        /// IVF-PQ: the bits per sub-quantizer code FAISS supports, smallest first.
        public static let pqBits = [4, 5, 6, 7, 8, 10, 12, 16]
        /// IVF-PQ: candidates per requested result re-scored exactly (``IndexConfiguration/ivfpqRefineFactor``).
        public static let refineFactor = 1...4096
    }

    /// Checks the parameters against a dimension (the ranges are ``Limits``).
    public func validate(dimension: Int) throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok {
                throw FaceDBError(
                    .invalidArgument, "Invalid index parameter: \(what).",
                    remedy: "See `facedb create --help` for the ranges.")
            }
        }
        func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)...\(range.upperBound)" }
        try check(Limits.hnswM.contains(hnswM), "HNSW M must be \(text(Limits.hnswM)), got \(hnswM)")
        try check(
            Limits.efConstruction.contains(efConstruction),
            "efConstruction must be \(text(Limits.efConstruction)), got \(efConstruction)")
        try check(Limits.efSearch.contains(efSearch), "efSearch must be \(text(Limits.efSearch)), got \(efSearch)")
        if let recallTarget {
            try check(recallTarget > 0 && recallTarget <= 1, "the recall target must be above 0 and at most 1, got \(recallTarget)")
        }
        try check(Limits.nlist.contains(nlist), "nlist must be \(text(Limits.nlist)), got \(nlist)")
        try check(Limits.nprobe.contains(nprobe), "nprobe must be \(text(Limits.nprobe)), got \(nprobe)")
        try check(Limits.pqBits.contains(pqBits), "PQ bits must be one of 4...8, 10, 12, 16, got \(pqBits)")
        if kind == .ivfpq {
            try check(pqM >= Limits.pqMMinimum && dimension % pqM == 0, "PQ m (\(pqM)) must divide the dimension (\(dimension))")
        }
    }

    /// A one-line description, e.g. `hnsw(M=32, efConstruction=80, efSearch=64)` or
    /// `hnsw(M=32, efConstruction=80, efSearch=auto for recall 0.98)`.
    public var description: String {
        switch kind {
        case .flat: return "flat"
        case .hnsw:
            let ef = recallTarget.map { "auto for recall \($0)" } ?? "\(efSearch)"
            return "hnsw(M=\(hnswM), efConstruction=\(efConstruction), efSearch=\(ef))"
        case .ivf: return "ivf(nlist=\(nlist), nprobe=\(nprobe))"
        case .ivfpq: return "ivfpq(nlist=\(nlist), nprobe=\(nprobe), m=\(pqM), bits=\(pqBits))"
        }
    }
}
