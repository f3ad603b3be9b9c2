import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// IVF kinds answer exactly from a staging index until they have enough vectors to train.
final class StagingTests: XCTestCase {
    private let ivf = IndexConfiguration(kind: .ivf, nlist: 16, nprobe: 16)  // threshold 624
    private let ivfpq = IndexConfiguration(kind: .ivfpq, nlist: 16, nprobe: 16, pqM: 8, pqBits: 8)

    func testStagingIsExactThenTrainsAtTheThreshold() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 1_000, queries: 20, dimension: 16, identities: 100, seed: seed)
        let firstIDs = Array(data.ids.prefix(400))
        let firstVectors = Array(data.vectors.prefix(400 * 16))

        for configuration in [ivf, ivfpq] {
            let context = "\(configuration); seed \(seed)"
            let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            XCTAssertEqual(configuration.trainingThreshold, 624)
            XCTAssertFalse(index.isTrained, context)
            XCTAssertEqual(index.stateDescription, "exact until 624 vectors (IVF training pending)")

            try index.add(ids: firstIDs, vectors: firstVectors)
            XCTAssertFalse(index.isTrained, context)
            XCTAssertEqual(index.count, 400, context)
            let staged = try index.search(data.queries, k: 10)
            assertExact(
                staged, data.truth(k: 10, metric: .l2, ids: firstIDs, vectors: firstVectors),
                metric: .l2, seed: seed, "staged \(configuration)")

            // 400 + 600 crosses 624: trains on all 1 000 and moves them into the IVF index.
            try index.add(ids: Array(data.ids.suffix(600)), vectors: Array(data.vectors.suffix(600 * 16)))
            XCTAssertTrue(index.isTrained, context)
            XCTAssertEqual(index.stateDescription, "ready", context)
            XCTAssertEqual(index.count, 1_000, context)
            XCTAssertEqual(try index.allIDs(), data.ids.sorted(), context)

            let truth = data.truth(k: 10, metric: .l2)
            let hits = try index.search(data.queries, k: 10)
            if configuration.kind == .ivf {  // nprobe == nlist: exact
                assertExact(hits, truth, metric: .l2, seed: seed, "trained \(configuration)")
            } else {
                let r = recall(hits, truth, k: 10)
                XCTAssertGreaterThanOrEqual(r, 0.95, "recall \(r); \(context)")
                assertExactDistances(hits, data, metric: .l2, seed: seed, context)
            }
        }
    }

    func testExplicitTrainingMovesStagedVectorsIn() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 1_000, queries: 10, dimension: 16, identities: 100, seed: seed)
        let index = try VectorIndex(configuration: ivf, dimension: 16, metric: .l2)
        try index.add(ids: Array(data.ids.prefix(100)), vectors: Array(data.vectors.prefix(100 * 16)))
        try index.train(sample: data.vectors)
        XCTAssertTrue(index.isTrained, "seed \(seed)")
        XCTAssertEqual(try index.allIDs(), Array(data.ids.prefix(100)).sorted())

        try index.add(ids: Array(data.ids[100..<300]), vectors: Array(data.vectors[100 * 16..<300 * 16]))
        XCTAssertEqual(index.count, 300)
        let rows = data.subset(Set(data.ids.prefix(300)))
        assertExact(
            try index.search(data.queries, k: 10), data.truth(k: 10, metric: .l2, ids: rows.ids, vectors: rows.vectors),
            metric: .l2, seed: seed)
    }

    func testTrainingRules() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 400, queries: 1, dimension: 16, seed: seed)

        let index = try VectorIndex(configuration: ivf, dimension: 16, metric: .l2)
        assertFaceDBError(.dimensionMismatch) { try index.train(sample: [1, 2, 3]) }
        assertFaceDBError(.invalidArgument, "fewer vectors than lists") {
            try index.train(sample: Array(data.vectors.prefix(10 * 16)))
        }
        XCTAssertFalse(index.isTrained)

        let pq = try VectorIndex(configuration: ivfpq, dimension: 16, metric: .l2)
        assertFaceDBError(.invalidArgument, "fewer vectors than PQ codes (256)") {
            try pq.train(sample: Array(data.vectors.prefix(200 * 16)))
        }
        try pq.train(sample: data.vectors)
        XCTAssertTrue(pq.isTrained)
        try pq.train(sample: data.vectors)  // still empty: retraining is allowed
        try pq.add(ids: data.ids, vectors: data.vectors)
        assertFaceDBError(.unsupported, "trained and not empty") { try pq.train(sample: data.vectors) }

        for configuration in [IndexConfiguration.flat, IndexConfiguration(kind: .hnsw, hnswM: 8)] {
            let other = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            XCTAssertTrue(other.isTrained)
            try other.train(sample: data.vectors)  // nothing to train
            XCTAssertEqual(other.count, 0)
        }
    }

    func testBatchCrossingTheThresholdIsAllOrNothing() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 700, queries: 1, dimension: 16, seed: seed)
        let index = try VectorIndex(configuration: ivf, dimension: 16, metric: .l2)
        try index.add(ids: Array(data.ids.prefix(600)), vectors: Array(data.vectors.prefix(600 * 16)))

        var ids = Array(data.ids.suffix(100))
        ids[50] = data.ids[0]  // already staged
        assertFaceDBError(.invalidArgument) { try index.add(ids: ids, vectors: Array(data.vectors.suffix(100 * 16))) }
        ids[50] = -4
        assertFaceDBError(.invalidArgument) { try index.add(ids: ids, vectors: Array(data.vectors.suffix(100 * 16))) }
        XCTAssertEqual(index.count, 600)
        XCTAssertFalse(index.isTrained)

        try index.add(ids: Array(data.ids.suffix(100)), vectors: Array(data.vectors.suffix(100 * 16)))
        XCTAssertTrue(index.isTrained)
        XCTAssertEqual(index.count, 700)
    }
}
