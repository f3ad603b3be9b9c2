import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// Removed vectors never come back, counts stay right, and HNSW compacts its tombstones.
final class RemovalTests: XCTestCase {
    func testRemovalForEveryKind() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 1_500, queries: 30, dimension: 16, identities: 150, seed: seed)
        var generator = SeededGenerator(seed: seed)
        let removed = Set(data.ids.shuffled(using: &generator).prefix(100))
        let kept = Set(data.ids).subtracting(removed)
        let rest = data.subset(kept)
        let truth = data.truth(k: 10, metric: .l2, ids: rest.ids, vectors: rest.vectors)
        let removedVectors = data.subset(removed).vectors

        for configuration in smallConfigurations() {
            let context = "\(configuration); seed \(seed)"
            let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            try data.add(to: index, batches: 3)
            XCTAssertTrue(index.isTrained, context)

            XCTAssertEqual(try index.remove(ids: Array(removed) + [999_999_999]), removed.count, context)
            XCTAssertEqual(index.count, kept.count, context)
            let tombstoning = configuration.kind == .hnsw || configuration.kind == .ivfpq
            XCTAssertEqual(index.tombstones, tombstoning ? removed.count : 0, "below 10%: tombstones; \(context)")
            XCTAssertEqual(try index.remove(ids: Array(removed)), 0, "removing twice; \(context)")
            XCTAssertEqual(Set(try index.allIDs()), kept, context)

            // Query with the removed vectors themselves: their ids must not come back.
            for row in try index.search(removedVectors, k: 20) {
                XCTAssertTrue(row.allSatisfy { !removed.contains($0.id) }, context)
                XCTAssertEqual(row.count, 20, context)
            }
            let hits = try index.search(data.queries, k: 10)
            switch configuration.kind {
            case .flat, .ivf:  // IVF with nprobe == nlist scans every list: exact
                assertExact(hits, truth, metric: .l2, seed: seed, "\(configuration)")
            case .hnsw, .ivfpq:
                let r = recall(hits, truth, k: 10)
                XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r); \(context)")
                assertExactDistances(hits, data, metric: .l2, seed: seed, context)
            }
        }
    }

    func testHNSWAndIVFPQCompactOnceTombstonesExceedTenPercent() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 2_000, queries: 30, dimension: 16, identities: 200, seed: seed)
        for configuration in [
            IndexConfiguration(kind: .hnsw, hnswM: 16, efConstruction: 64, efSearch: 64),
            IndexConfiguration(kind: .ivfpq, nlist: 16, nprobe: 16, pqM: 8, pqBits: 8),
        ] {
            try checkCompaction(configuration, data, seed: seed)
        }
    }

    private func checkCompaction(_ configuration: IndexConfiguration, _ data: Dataset, seed: UInt64) throws {
        let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
        try data.add(to: index)
        XCTAssertTrue(index.isTrained, "\(configuration)")

        let first = Array(data.ids[0..<150])  // 7.5%: stays as tombstones
        XCTAssertEqual(try index.remove(ids: first), 150)
        XCTAssertEqual(index.tombstones, 150, "seed \(seed)")
        XCTAssertEqual(index.count, 1_850)
        XCTAssertTrue(index.stateDescription.contains("150 removed"), index.stateDescription)

        let second = Array(data.ids[150..<250])  // 250 of 2 000 stored: over 10%, compacts
        XCTAssertEqual(try index.remove(ids: second), 100)
        XCTAssertEqual(index.tombstones, 0, "seed \(seed)")
        XCTAssertEqual(index.count, 1_750)
        XCTAssertEqual(index.stateDescription, "ready")

        let removed = Set(first + second)
        let rest = data.subset(Set(data.ids).subtracting(removed))
        let hits = try index.search(data.queries, k: 10)
        XCTAssertTrue(hits.allSatisfy { $0.allSatisfy { !removed.contains($0.id) } }, "seed \(seed)")
        let r = recall(hits, data.truth(k: 10, metric: .l2, ids: rest.ids, vectors: rest.vectors), k: 10)
        XCTAssertGreaterThanOrEqual(r, 0.95, "recall after compaction \(r); \(configuration) seed \(seed)")
        assertExactDistances(hits, data, metric: .l2, seed: seed, "\(configuration)")
        XCTAssertEqual(Set(try index.allIDs()), Set(rest.ids), "\(configuration)")
        XCTAssertEqual(try index.vectors(for: rest.ids), rest.vectors, "the kept vectors, exactly; \(configuration)")
        let restored = try VectorIndex.deserialize(try index.serialized(), configuration: configuration, dimension: 16, metric: .l2)
        XCTAssertEqual(try restored.search(data.queries, k: 10), hits, "a compacted index round-trips; \(configuration)")

        // A removed id can be added again, and is found.
        try index.add(ids: [data.ids[0]], vectors: data.vector(0))
        XCTAssertEqual(index.count, 1_751)
        XCTAssertEqual(try index.search(data.vector(0), k: 1)[0].first?.id, data.ids[0], "\(configuration) seed \(seed)")
    }

    func testExplicitCompactionDropsTombstones() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 500, queries: 10, dimension: 8, seed: seed)
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .hnsw, hnswM: 8), dimension: 8, metric: .l2)
        try data.add(to: index)
        try index.remove(ids: Array(data.ids.prefix(20)))
        XCTAssertEqual(index.tombstones, 20)
        let before = try index.search(data.queries, k: 5)
        try index.compact()
        XCTAssertEqual(index.tombstones, 0)
        XCTAssertEqual(index.count, 480)
        XCTAssertEqual(Set(try index.allIDs()), Set(data.ids.dropFirst(20)))
        let after = try index.search(data.queries, k: 5)
        XCTAssertGreaterThanOrEqual(recall(after, before.map { $0.map { ($0.id, $0.score) } }, k: 5), 0.9, "seed \(seed)")
    }
}
