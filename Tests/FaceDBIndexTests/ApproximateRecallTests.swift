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

    func testIVFPQCandidatesHoldTheTrueTopTen() throws {
        let configuration = IndexConfiguration(kind: .ivfpq)
        let index = try VectorIndex(configuration: configuration, dimension: 128, metric: .l2)
        try data.add(to: index, batches: 2)
        XCTAssertTrue(index.isTrained, "seed \(data.seed)")
        let candidates = configuration.candidateCount(for: 10)
        let hits = try index.search(data.queries, k: candidates)
        XCTAssertEqual(hits[0].count, candidates, "seed \(data.seed)")
        let r = recall(hits, truth, k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "IVF-PQ: true top-10 within top-\(candidates) = \(r); seed \(data.seed)")
    }
}
