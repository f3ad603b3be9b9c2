import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// Recall of the approximate kinds at their default parameters on 20 000 clustered 128-D faces
/// (1 000 identities), against the brute-force oracle.
final class ApproximateRecallTests: XCTestCase {
    private var data: Dataset { SharedClusteredData.dataset }
    private var truth: [[(id: Int64, score: Float)]] { SharedClusteredData.truth }

    func testHNSWRecallAtTenIsAtLeast95Percent() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .hnsw), dimension: 128, metric: .l2)
        try data.add(to: index, batches: 4)
        XCTAssertEqual(index.count, data.count, "seed \(data.seed)")
        let hits = try index.search(data.queries, k: 10)
        let r = recall(hits, truth, k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "HNSW recall@10 = \(r); seed \(data.seed)")
    }

    func testIVFFlatRecallAtTenIsAtLeast95Percent() throws {
        let configuration = IndexConfiguration(kind: .ivf)
        let index = try VectorIndex(configuration: configuration, dimension: 128, metric: .l2)
        // Four batches: the first is staged, the second crosses the training threshold (9 984).
        try data.add(to: index, batches: 4)
        XCTAssertTrue(index.isTrained, "seed \(data.seed)")
        XCTAssertEqual(index.count, data.count, "seed \(data.seed)")
        let hits = try index.search(data.queries, k: 10)
        let r = recall(hits, truth, k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "IVF-Flat recall@10 = \(r); seed \(data.seed)")
    }

    func testIVFPQRecallAtTenIsAtLeast95Percent() throws {
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .ivfpq), dimension: 128, metric: .l2)
        try data.add(to: index, batches: 2)
        XCTAssertTrue(index.isTrained, "seed \(data.seed)")
        let hits = try index.search(data.queries, k: 10)
        XCTAssertEqual(hits[0].count, 10, "seed \(data.seed)")
        let r = recall(hits, truth, k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "IVF-PQ recall@10 = \(r); seed \(data.seed)")
    }

    /// IVF-PQ re-scores its candidates inside the index against an exact copy of the vectors: every
    /// returned distance is the brute-force distance of the returned id, ranked best first — also
    /// with a filter and with tombstones, where the shim runs the refinement itself — while the
    /// codes alone give other, approximate distances.
    func testIVFPQReturnsExactDistancesForTheReturnedIDs() throws {
        let seed = data.seed
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .ivfpq), dimension: 128, metric: .l2)
        try data.add(to: index, batches: 2)
        XCTAssertEqual(
            try index.vectors(for: Array(data.ids.prefix(50))), Array(data.vectors.prefix(50 * 128)),
            "the exact copy is bit-identical to the added vectors; seed \(seed)")

        let hits = try index.search(data.queries, k: 10)
        assertExactDistances(hits, data, metric: .l2, seed: seed, "unfiltered")
        XCTAssertTrue(
            hits.allSatisfy { row in zip(row, row.dropFirst()).allSatisfy { $0.score <= $1.score } },
            "best first; seed \(seed)")
        // Exact re-scoring can only improve on the codes' own ranking.
        let bare = try index.searchWithoutRefinement(data.queries, k: 10)
        XCTAssertGreaterThanOrEqual(recall(hits, truth, k: 10), recall(bare, truth, k: 10), "seed \(seed)")
        XCTAssertNotEqual(
            bare.flatMap { $0.map(\.score) }, hits.flatMap { $0.map(\.score) },
            "the codes alone give approximate distances; seed \(seed)")

        var generator = SeededGenerator(seed: seed)
        let allowed = Array(data.ids.shuffled(using: &generator).prefix(12_000))  // beyond the exact-scan limit
        assertExactDistances(try index.search(data.queries, k: 10, allowed: allowed), data, metric: .l2, seed: seed, "filtered")
        let removed = Set(data.ids.suffix(1_000))
        try index.remove(ids: Array(removed))  // 5%: tombstones
        XCTAssertEqual(index.tombstones, 1_000)
        let afterRemoval = try index.search(data.queries, k: 10)
        assertExactDistances(afterRemoval, data, metric: .l2, seed: seed, "with tombstones")
        XCTAssertTrue(afterRemoval.allSatisfy { $0.allSatisfy { !removed.contains($0.id) } }, "seed \(seed)")
    }
}
