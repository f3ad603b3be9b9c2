import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Several readers search while a writer adds and removes faces: no error, and no torn result.
final class ConcurrencyTests: XCTestCase {
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var messages: [String] = []
        private(set) var searches = 0
        func fail(_ m: String) { lock.withLock { messages.append(m) } }
        func searched() { lock.withLock { searches += 1 } }
    }

    func testReadersAndAWriterForAFewSeconds() throws {
        for kind in [IndexConfiguration.Kind.flat, .hnsw] {
            try run(kind: kind, seconds: 1.5)
        }
    }

    func run(kind: IndexConfiguration.Kind, seconds: Double) throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let dir = TemporaryDirectory("concurrency")
        let dim = 8
        let db = try FaceDatabase.create(
            at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: dim, metric: .l2),
            index: IndexConfiguration(kind: kind), options: DatabaseOptions(snapshotAfterChanges: 200, logger: DatabaseOptions.silentLogger))
        // A fixed anchor identity the writer never touches: every exact search for its vector must
        // find it first. (Not HNSW's: the anchor is an extreme outlier, about equally far from every
        // other face, and a search with a small efSearch can stop before it reaches the one node that
        // links to it (1 of 14 runs when this was tried). That the graph keeps a link to every node is
        // tested by `ReachabilityTests` with an exhaustive efSearch; here HNSW's results must be whole.)
        let anchor = [Float](repeating: 100, count: dim)
        try db.addFaces([NewFace(identity: "anchor", embedding: anchor)], createMissingIdentities: true)
        let stop = Date().addingTimeInterval(seconds)
        let failures = Failures()
        let group = DispatchGroup()
        for reader in 0..<3 {
            DispatchQueue.global().async(group: group) {
                var rng = SeededGenerator(seed: seed &+ UInt64(reader))
                while Date() < stop {
                    do {
                        let hits = try db.search(anchor, k: 5)
                        if kind != .hnsw, hits.first?.identity != "anchor" { failures.fail("anchor not first: \(hits)") }
                        let probe = (0..<dim).map { _ in rng.nextGaussian() }
                        for hit in try db.search(probe, k: 10) {
                            // Each result is whole: its identity and score agree with the stored face.
                            guard hit.identity.hasPrefix("w") || hit.identity == "anchor" else { failures.fail("torn identity \(hit)"); continue }
                            if let face = try db.face(hit.faceID) {
                                if face.identity != hit.identity { failures.fail("identity mismatch \(hit) vs \(face.identity)") }
                            }
                        }
                        failures.searched()
                    } catch {
                        failures.fail("search failed: \(error)")
                    }
                }
            }
        }
        var rng = SeededGenerator(seed: seed)
        var batch = 0
        var live: [String] = []
        while Date() < stop {
            let name = "w\(batch)"
            try db.addFaces(
                (0..<20).map { _ in NewFace(identity: name, embedding: (0..<dim).map { _ in rng.nextGaussian() }) },
                createMissingIdentities: true)
            live.append(name)
            if live.count > 10 { try db.removeIdentity(live.removeFirst()) }
            batch += 1
        }
        group.wait()
        XCTAssertEqual(failures.messages, [], "kind \(kind) seed \(seed)")
        XCTAssertGreaterThan(failures.searches, 10)
        XCTAssertTrue(try db.checkIndex().isConsistent)
        XCTAssertEqual(db.faceCount, 1 + live.count * 20)
        try db.close()
    }
}
