import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBIndex

/// Automatic efSearch: tuning on stored faces finds a value that reaches the recall target on
/// queries it never saw, measured against brute force; an explicit efSearch is never tuned.
final class TuningTests: XCTestCase {
    /// An HNSW index over `data`.
    private func graph(_ configuration: IndexConfiguration, _ data: Dataset) throws -> VectorIndex {
        let index = try VectorIndex(configuration: configuration, dimension: data.dimension, metric: .l2)
        try data.add(to: index)
        return index
    }

    /// 20 000 faces of 2 000 people in 64-D whose faces spread as widely as their centres
    /// (``SyntheticEmbeddings`` with `withinSpread` 1): neighbourhoods overlap, so HNSW needs a
    /// large efSearch (efSearch 16 finds about two thirds of the true top 10), and the queries are
    /// 400 further faces that the index never saw.
    private func hardClusters(seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let people = SyntheticEmbeddings(dimension: 64, identities: 2_000, withinSpread: 1, generator: &generator)
        let faces = people.faces(count: 20_000, generator: &generator).vectors
        let probes = people.faces(count: 400, generator: &generator).vectors
        return Dataset(seed: seed, dimension: 64, ids: Dataset.scatteredIDs(20_000), vectors: faces, queries: probes)
    }

    func testTunedEfSearchReachesTheTargetOnHeldOutQueries() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = hardClusters(seed: seed)
        let truth = data.truth(k: 10, metric: .l2)  // brute force over every stored face
        let auto = IndexConfiguration(kind: .hnsw, hnswM: 16, efConstruction: 40)
        let target = try XCTUnwrap(auto.recallTarget)
        XCTAssertEqual(target, IndexConfiguration.defaultRecallTarget)
        let index = try graph(auto, data)

        XCTAssertTrue(index.isTuningDue, "never tuned, above the minimum")
        XCTAssertEqual(index.efSearch, IndexConfiguration.defaultEfSearch, "before tuning")
        let low = recall(try index.search(data.queries, k: 10, efSearch: 16), truth, k: 10)
        XCTAssertLessThan(low, target - 0.1, "efSearch 16 must be clearly too small for this test to mean anything; seed \(seed)")

        let tuning = try XCTUnwrap(try index.tuneEfSearch())
        XCTAssertFalse(index.isTuningDue)
        XCTAssertEqual(index.efSearch, tuning.efSearch)
        XCTAssertEqual(index.efSearchTuning, tuning)
        XCTAssertEqual(tuning.faces, data.count)
        XCTAssertEqual(tuning.sampleSize, VectorIndex.tuningSampleSize)
        XCTAssertTrue(tuning.reachedTarget, "\(tuning); seed \(seed)")
        XCTAssertTrue(IndexConfiguration.efSearchCandidates.contains(tuning.efSearch))
        XCTAssertGreaterThan(tuning.efSearch, 16)

        let tuned = recall(try index.search(data.queries, k: 10), truth, k: 10)
        XCTAssertGreaterThanOrEqual(tuned, target, "held-out recall at the tuned \(tuning); efSearch 16 gave \(low); seed \(seed)")
        // The recall reported is the leave-one-out recall of the sample, by an independent oracle;
        // and the chosen value is the smallest that clears the target with 95 % confidence: the
        // one below it does not.
        let sampleRecall = try leaveOneOutRecall(index, efSearch: tuning.efSearch, sample: 256)
        // (Near-ties between a 10th and 11th neighbour may order differently in Swift and in FAISS.)
        XCTAssertEqual(sampleRecall.recall, tuning.recall, accuracy: 0.003, "seed \(seed)")
        XCTAssertEqual(sampleRecall.standardError, tuning.standardError, accuracy: 0.002, "seed \(seed)")
        XCTAssertGreaterThanOrEqual(tuning.recall - 1.645 * tuning.standardError, target, "seed \(seed)")
        if let below = IndexConfiguration.efSearchCandidates.last(where: { $0 < tuning.efSearch }) {
            let measured = try leaveOneOutRecall(index, efSearch: below, sample: 256)
            XCTAssertLessThan(
                measured.recall - 1.645 * measured.standardError, target,
                "efSearch \(below) already reached it (\(measured)); seed \(seed)")
        }
        // The same index gives the same answer (fixed sample).
        XCTAssertEqual(try index.tuneEfSearch()?.efSearch, tuning.efSearch)
    }

    func testExplicitEfSearchIsKept() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 2_000, queries: 10, dimension: 16, identities: 200, seed: seed)
        let index = try graph(IndexConfiguration(kind: .hnsw, hnswM: 4, efConstruction: 16, efSearch: 16), data)
        XCTAssertFalse(index.isTuningDue)
        XCTAssertNil(try index.tuneEfSearch())
        XCTAssertEqual(index.efSearch, 16)
        XCTAssertNil(index.efSearchTuning)
        try index.adopt(EfSearchTuning(efSearch: 512, recall: 1, standardError: 0, target: 0.98, faces: 2_000, sampleSize: 10, seconds: 0))
        XCTAssertEqual(index.efSearch, 16, "a tuning is never adopted over an explicit efSearch")
        XCTAssertNil(try VectorIndex(configuration: .flat, dimension: 16, metric: .l2).tuneEfSearch(), "flat has no efSearch")
    }

    func testTuningIsDueAgainWhenTheIndexDoubles() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 2_400, queries: 1, dimension: 16, identities: 240, seed: seed)
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .hnsw, hnswM: 8), dimension: 16, metric: .l2)
        try index.add(ids: Array(data.ids.prefix(999)), vectors: Array(data.vectors.prefix(999 * 16)))
        XCTAssertFalse(index.isTuningDue, "below the minimum of \(IndexConfiguration.minimumTuningCount)")
        try index.add(ids: [data.ids[999]], vectors: data.vector(999))
        XCTAssertTrue(index.isTuningDue)
        try index.tuneEfSearch(sampleSize: 32)
        XCTAssertEqual(index.efSearchTuning?.faces, 1_000)
        XCTAssertFalse(index.isTuningDue)
        try index.add(ids: Array(data.ids[1_000..<1_999]), vectors: Array(data.vectors[1_000 * 16..<1_999 * 16]))
        XCTAssertFalse(index.isTuningDue, "1 999 faces: not yet doubled")
        try index.add(ids: [data.ids[1_999]], vectors: data.vector(1_999))
        XCTAssertTrue(index.isTuningDue, "2 000 faces: doubled")
        // A copy with another recall target is due at once; with the same target it keeps the tuning.
        try index.tuneEfSearch(sampleSize: 32)
        XCTAssertEqual(
            try index.withSearchParameters(of: IndexConfiguration(kind: .hnsw, hnswM: 8)).efSearchTuning,
            index.efSearchTuning)
        XCTAssertTrue(try index.withSearchParameters(of: IndexConfiguration(kind: .hnsw, hnswM: 8, recallTarget: 0.9)).isTuningDue)
    }

    /// Leave-one-out recall@10 of `sample` stored faces at `efSearch`, and its standard error, by
    /// brute force over the stored vectors in Swift (the oracle, independent of the shim's exact search).
    private func leaveOneOutRecall(
        _ index: VectorIndex, efSearch: Int, sample: Int
    ) throws -> (recall: Double, standardError: Double) {
        let (_, ids, vectors) = try index.sampleStoredVectors(sample, seed: VectorIndex.tuningSeed)
        let all = try index.allIDs()
        let stored = try index.vectors(for: all)
        let d = index.dimension
        let hits = try index.search(vectors, k: 11, efSearch: efSearch)
        var found = 0
        var total = 0
        var perQuery: [Double] = []
        for (q, own) in ids.enumerated() {
            let query = Array(vectors[q * d..<(q + 1) * d])
            let exact = BruteForce.search(query, in: stored, ids: all, dimension: d, metric: .l2, k: 11)
                .map(\.id).filter { $0 != own }.prefix(10)
            let got = Set(hits[q].map(\.id).filter { $0 != own }.prefix(10))
            let hit = exact.filter { got.contains($0) }.count
            total += exact.count
            found += hit
            perQuery.append(Double(hit) / Double(exact.count))
        }
        let mean = perQuery.reduce(0, +) / Double(perQuery.count)
        let variance = perQuery.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perQuery.count - 1)
        return (Double(found) / Double(total), (variance / Double(perQuery.count)).squareRoot())
    }
}
