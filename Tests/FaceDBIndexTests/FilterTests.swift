import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// `allowed` restricts answers to a subset, for every kind, as brute force over that subset.
final class FilterTests: XCTestCase {
    func testSmallFilterIsExactForEveryKind() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 3_000, queries: 20, dimension: 16, identities: 300, seed: seed)
        var generator = SeededGenerator(seed: seed)
        let allowed = Array(data.ids.shuffled(using: &generator).prefix(60))
        let allowedSet = Set(allowed)
        // Unknown ids and repeats in the filter are ignored.
        let filter = allowed + [5, 999_999_999] + allowed.prefix(5)

        for configuration in smallConfigurations() {
            let context = "\(configuration); seed \(seed)"
            let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            try data.add(to: index)
            let hits = try index.search(data.queries, k: 10, allowed: filter)
            XCTAssertTrue(hits.allSatisfy { $0.allSatisfy { allowedSet.contains($0.id) } }, context)

            // Small filters are scanned exactly over the stored vectors, which are the originals
            // (IVF-PQ keeps an exact copy beside its codes).
            XCTAssertEqual(try index.vectors(for: allowed), data.vectors(of: allowed), context)
            let original = data.subset(allowedSet)
            assertExact(
                hits, data.truth(k: 10, metric: .l2, ids: original.ids, vectors: original.vectors),
                metric: .l2, seed: seed, "\(configuration) against the original vectors")
        }
    }

    func testLargeFilterForEveryKind() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 10_000, queries: 30, dimension: 16, identities: 500, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        let allowedSet = Set(data.ids.filter { _ in generator.next() % 10 < 6 })  // ~60%: FAISS with a selector
        let allowed = Array(allowedSet)
        let subset = data.subset(allowedSet)
        let truth = data.truth(k: 10, metric: .l2, ids: subset.ids, vectors: subset.vectors)

        for configuration in smallConfigurations() {
            let context = "\(configuration); seed \(seed)"
            let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            try data.add(to: index, batches: 2)
            let hits = try index.search(data.queries, k: 10, allowed: allowed)
            XCTAssertTrue(hits.allSatisfy { $0.allSatisfy { allowedSet.contains($0.id) } }, context)
            switch configuration.kind {
            case .flat, .ivf:  // flat is exact; IVF with nprobe == nlist scans every list
                assertExact(hits, truth, metric: .l2, seed: seed, "\(configuration)")
            case .hnsw, .ivfpq:
                let r = recall(hits, truth, k: 10)
                XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r); \(context)")
                assertExactDistances(hits, data, metric: .l2, seed: seed, context)
            }
        }
    }

    func testHNSWFilterWithTombstonesAndInnerProduct() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 9_000, queries: 20, dimension: 12, seed: seed, normalized: true)
        let index = try VectorIndex(
            configuration: IndexConfiguration(kind: .hnsw, hnswM: 16), dimension: 12, metric: .cosine)
        try data.add(to: index)
        let removed = Set(data.ids.prefix(500))
        try index.remove(ids: Array(removed))
        XCTAssertEqual(index.tombstones, 500, "below 10%: kept as tombstones")

        let allowedSet = Set(data.ids.prefix(6_000)).subtracting(data.ids.prefix(250))
        let hits = try index.search(data.queries, k: 10, allowed: Array(allowedSet))
        let live = allowedSet.subtracting(removed)
        XCTAssertTrue(hits.allSatisfy { $0.allSatisfy { live.contains($0.id) } }, "seed \(seed)")
        let subset = data.subset(live)
        let r = recall(hits, data.truth(k: 10, metric: .cosine, ids: subset.ids, vectors: subset.vectors), k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r); seed \(seed)")
    }

    func testEmptyOrUnknownFilterGivesEmptyRows() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 100, queries: 3, dimension: 4, seed: seed)
        for configuration in [IndexConfiguration.flat, IndexConfiguration(kind: .hnsw, hnswM: 4)] {
            let index = try VectorIndex(configuration: configuration, dimension: 4, metric: .l2)
            try data.add(to: index)
            XCTAssertEqual(try index.search(data.queries, k: 5, allowed: []), [[], [], []], "\(configuration)")
            XCTAssertEqual(try index.search(data.queries, k: 5, allowed: [1, 2]), [[], [], []], "\(configuration)")
            XCTAssertEqual(try index.search(data.queries, k: 5, allowed: [data.ids[7]]).map(\.count), [1, 1, 1])
        }
    }
}
