import FaceDB
import FaceDBCore
import FaceDBTestSupport
import XCTest

/// Every index kind, through the database (ANN candidates re-scored exactly), against brute force.
final class SearchOracleTests: XCTestCase {
    /// Builds a database of `count` clustered vectors, then measures recall@10 of `queries` probes.
    func recall(kind: IndexConfiguration.Kind, metric: Metric, count: Int, queries: Int, seed: UInt64) throws -> Double {
        let directory = TemporaryDirectory("oracle")
        var rng = SeededGenerator(seed: seed)
        let dim = 128
        let data = SyntheticEmbeddings(dimension: dim, identities: count / 10, generator: &rng)
        let (vectors, owners) = data.faces(count: count, generator: &rng)
        let space = EmbeddingSpace(model: "synthetic", dimension: dim, metric: metric)
        let db = try FaceDatabase.create(
            at: directory.path("db"), space: space, index: IndexConfiguration(kind: kind),
            options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        defer { try? db.close() }
        var stored = [Float]()
        for start in stride(from: 0, to: count, by: 5000) {
            let end = min(start + 5000, count)
            let faces = (start..<end).map { i in
                NewFace(identity: "p\(owners[i])", embedding: Array(vectors[(i * dim)..<((i + 1) * dim)]))
            }
            try db.addFaces(faces, createMissingIdentities: true)
        }
        for i in 0..<count { stored.append(contentsOf: try space.prepare(Array(vectors[(i * dim)..<((i + 1) * dim)]))) }
        let ids = (0..<Int64(count)).map { $0 }
        var found = 0
        for _ in 0..<queries {
            let probe = try space.prepare(data.face(of: Int(rng.next() % UInt64(data.identities)), generator: &rng))
            let truth = BruteForce.search(probe, in: stored, ids: ids, dimension: dim, metric: metric, k: 10)
            let got = try db.search(probe, k: 10)
            found += Set(got.map(\.faceID.rawValue)).intersection(truth.map(\.id)).count
            // Scores are exact: each returned face's score equals the brute-force score of that face.
            for match in got {
                let row = Int(match.faceID.rawValue)
                let exact = BruteForce.search(
                    probe, in: Array(stored[(row * dim)..<((row + 1) * dim)]), ids: [0], dimension: dim, metric: metric, k: 1)[0].score
                XCTAssertEqual(match.score, exact, accuracy: 1e-3, "seed \(seed)")
                XCTAssertEqual(match.identity, "p\(owners[row])", "seed \(seed)")
            }
        }
        return Double(found) / Double(queries * 10)
    }

    func testFlatIsExactForEveryMetric() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        for metric in Metric.allCases {
            let r = try recall(kind: .flat, metric: metric, count: 3000, queries: 30, seed: seed)
            XCTAssertEqual(r, 1.0, "metric \(metric), seed \(seed)")
        }
    }

    func testHNSWRecallAtDefaultsOn20kClusteredVectors() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let r = try recall(kind: .hnsw, metric: .l2, count: 20_000, queries: 100, seed: seed)
        XCTAssertGreaterThanOrEqual(r, 0.95, "seed \(seed)")
    }

    func testIVFRecallAtDefaultsOn20kClusteredVectors() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let r = try recall(kind: .ivf, metric: .l2, count: 20_000, queries: 100, seed: seed)
        XCTAssertGreaterThanOrEqual(r, 0.95, "seed \(seed)")
    }

    func testIVFPQRecallAtDefaultsOn20kClusteredVectors() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let r = try recall(kind: .ivfpq, metric: .cosine, count: 20_000, queries: 100, seed: seed)
        XCTAssertGreaterThanOrEqual(r, 0.95, "seed \(seed)")
    }
}
