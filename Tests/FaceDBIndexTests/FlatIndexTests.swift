import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// The flat index is exact: it must agree with the brute-force oracle.
final class FlatIndexTests: XCTestCase {
    func testFlatL2MatchesBruteForce() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 2_000, queries: 50, dimension: 32, seed: seed)
        let index = try VectorIndex(configuration: .flat, dimension: 32, metric: .l2)
        try data.add(to: index, batches: 3)
        XCTAssertEqual(index.count, 2_000, "seed \(seed)")

        let hits = try index.search(data.queries, k: 10)
        let truth = data.truth(k: 10, metric: .l2)
        XCTAssertEqual(recall(hits, truth, k: 10), 1.0, "seed \(seed)")
        assertExact(hits, truth, metric: .l2, seed: seed)
    }

    func testFlatInnerProductMatchesBruteForce() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 2_000, queries: 50, dimension: 32, seed: seed)
        let index = try VectorIndex(configuration: .flat, dimension: 32, metric: .innerProduct)
        try data.add(to: index)

        let hits = try index.search(data.queries, k: 10)
        let truth = data.truth(k: 10, metric: .innerProduct)
        XCTAssertEqual(recall(hits, truth, k: 10), 1.0, "seed \(seed)")
        assertExact(hits, truth, metric: .innerProduct, seed: seed)
    }

    func testCosineSearchesByInnerProductOfNormalizedVectors() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 1_000, queries: 20, dimension: 16, seed: seed, normalized: true)
        let index = try VectorIndex(configuration: .flat, dimension: 16, metric: .cosine)
        try data.add(to: index)

        let hits = try index.search(data.queries, k: 5)
        assertExact(hits, data.truth(k: 5, metric: .cosine), metric: .cosine, seed: seed)
        for row in hits {
            XCTAssertLessThanOrEqual(row[0].score, 1.0001, "cosine of unit vectors; seed \(seed)")
        }
    }

    func testSingleQueryFindsItsOwnVectorAtDistanceZero() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 300, queries: 1, dimension: 8, seed: seed)
        let index = try VectorIndex(configuration: .flat, dimension: 8, metric: .l2)
        try data.add(to: index)
        let hits = try index.search(data.vector(123), k: 3)
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits[0].first?.id, data.ids[123], "seed \(seed)")
        XCTAssertEqual(hits[0].first?.score ?? -1, 0, accuracy: 1e-5, "seed \(seed)")
        XCTAssertEqual(hits[0].count, 3)
    }
}
