import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

/// HNSW's automatic efSearch through the database: tuned when the index is built, kept in the
/// snapshot so that opening does not tune again, tuned again once the index has doubled (never in a
/// search), shown in the stats; an explicit efSearch is left alone.
final class EfSearchTuningTests: XCTestCase {
    let space = EmbeddingSpace(model: "m", dimension: 16, metric: .l2)

    /// `count` clustered faces (10 per person).
    func faces(_ count: Int, from first: Int = 0, _ people: SyntheticEmbeddings, _ rng: inout SeededGenerator) -> [NewFace] {
        (first..<first + count).map { i in NewFace(identity: "p\(i / 10)", embedding: people.face(of: (i / 10) % people.identities, generator: &rng))
        }
    }

    func testTunedAtReindexKeptAcrossOpenAndTunedAgainWhenDoubled() throws {
        let directory = TemporaryDirectory("tuning")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let people = SyntheticEmbeddings(dimension: 16, identities: 300, generator: &rng)
        let log = LogCapture()
        var db = try FaceDatabase.create(at: path, space: space, options: DatabaseOptions(logger: log.logger))
        try db.addFaces(faces(1_500, people, &rng), createMissingIdentities: true)
        try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 8))

        var stats = try db.stats()
        let tuning = try XCTUnwrap(stats.efSearchTuning, "reindex tunes an automatic efSearch; seed \(rng.seed)")
        XCTAssertEqual(stats.efSearch, tuning.efSearch)
        XCTAssertEqual(tuning.faces, 1_500)
        XCTAssertEqual(tuning.target, IndexConfiguration.defaultRecallTarget)
        XCTAssertTrue(tuning.reachedTarget, "\(tuning); seed \(rng.seed)")
        XCTAssertEqual(log.tunings.count, 1, "\(log.lines)")
        XCTAssertTrue(log.tunings[0].contains("tuned HNSW efSearch to \(tuning.efSearch) in "), log.tunings[0])
        // Searches after tuning still find each stored face first.
        let probe = try XCTUnwrap(try db.faces(of: "p7").first)
        XCTAssertEqual(try db.search(probe.embedding, k: 1).first?.faceID, probe.id)
        try db.close()

        let reopenLog = LogCapture()
        db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: reopenLog.logger))
        XCTAssertEqual(try db.stats().efSearchTuning, tuning, "the snapshot keeps the tuning")
        XCTAssertEqual(try db.stats().efSearch, tuning.efSearch)
        try db.addFaces(faces(1_499, from: 1_500, people, &rng), createMissingIdentities: true)
        try db.checkpoint()
        XCTAssertEqual(try db.stats().efSearchTuning, tuning, "2 999 faces: not yet doubled")
        try db.addFaces(faces(1, from: 2_999, people, &rng), createMissingIdentities: true)
        try db.checkpoint()
        stats = try db.stats()
        XCTAssertEqual(stats.efSearchTuning?.faces, 3_000, "doubled: tuned again at the checkpoint")
        XCTAssertEqual(reopenLog.tunings.count, 1, "opened without tuning, tuned once when doubled: \(reopenLog.lines)")
        try db.close()
    }

    func testAnIndexThatGrewWhileClosedIsTunedInTheBackgroundAfterOpen() throws {
        let directory = TemporaryDirectory("tuning")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let people = SyntheticEmbeddings(dimension: 16, identities: 300, generator: &rng)
        let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
        // Created empty: nothing to tune yet; 1 200 faces arrive by writes, and close does not tune.
        var db = try FaceDatabase.create(at: path, space: space, index: IndexConfiguration(kind: .hnsw, hnswM: 8), options: quiet)
        try db.addFaces(faces(1_200, people, &rng), createMissingIdentities: true)
        XCTAssertNil(try db.stats().efSearchTuning)
        XCTAssertEqual(try db.stats().efSearch, IndexConfiguration.defaultEfSearch)
        try db.close()

        let log = LogCapture()
        db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: log.logger))
        try db.close()  // waits for the background tuning and its snapshot
        XCTAssertEqual(log.tunings.count, 1, "\(log.lines)")

        let again = LogCapture()
        db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: again.logger))
        XCTAssertEqual(try db.stats().efSearchTuning?.faces, 1_200, "the background snapshot kept the tuning")
        try db.close()
        XCTAssertEqual(again.tunings, [], "\(again.lines)")
    }

    /// An import that makes an HNSW index due for tuning tunes it before it returns, reporting each
    /// step: the first search after it never meets a tuning (the tuning is there already, and the
    /// log holds exactly one).
    func testAnImportTunesBeforeItReturnsWithItsProgress() throws {
        let directory = TemporaryDirectory("tuning")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let people = SyntheticEmbeddings(dimension: 16, identities: 300, generator: &rng)
        let log = LogCapture()
        let db = try FaceDatabase.create(
            at: directory.path("db"), space: space, index: IndexConfiguration(kind: .hnsw, hnswM: 8), options: DatabaseOptions(logger: log.logger))
        defer { try? db.close() }
        let file = directory.path("faces.jsonl")
        var text = ""
        for face in faces(2_000, people, &rng) { text += #"{"identity":"\#(face.identity)","embedding":\#(face.embedding)}"# + "\n" }
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        nonisolated(unsafe) var steps: [Int] = []
        nonisolated(unsafe) var total = 0
        let summary = try db.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: nil)) { p in
            if let step = p.tuningStep, let of = p.tuningSteps {
                steps.append(step)
                total = of
            }
        }
        XCTAssertEqual(summary.stored, 2_000)
        XCTAssertEqual(total, 1 + IndexConfiguration.efSearchCandidates.count)
        XCTAssertEqual(steps, Array(1...steps.count), "each step once, in order; seed \(rng.seed)")
        XCTAssertGreaterThanOrEqual(steps.count, 2, "the brute-force answer and at least one candidate")
        let tuning = try XCTUnwrap(try db.stats().efSearchTuning, "tuned when the import returned")
        XCTAssertEqual(tuning.faces, 2_000)
        XCTAssertEqual(steps.count, 1 + (IndexConfiguration.efSearchCandidates.firstIndex(of: tuning.efSearch) ?? 0) + 1)
        let probe = try XCTUnwrap(try db.faces(of: "p7").first)
        XCTAssertEqual(try db.search(probe.embedding, k: 1).first?.faceID, probe.id)
        try db.close()
        XCTAssertEqual(log.tunings.count, 1, "no second tuning in the background: \(log.tunings)")
    }

    func testExplicitEfSearchIsNeverTuned() throws {
        let directory = TemporaryDirectory("tuning")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let people = SyntheticEmbeddings(dimension: 16, identities: 300, generator: &rng)
        let log = LogCapture()
        var db = try FaceDatabase.create(at: path, space: space, options: DatabaseOptions(logger: log.logger))
        try db.addFaces(faces(1_500, people, &rng), createMissingIdentities: true)
        let explicit = IndexConfiguration(kind: .hnsw, hnswM: 8, efSearch: 24)
        try db.reindex(explicit)
        try db.checkpoint()
        XCTAssertEqual(try db.stats().efSearch, 24)
        XCTAssertNil(try db.stats().efSearchTuning)
        try db.close()
        db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: log.logger))
        XCTAssertEqual(try db.stats().efSearch, 24)
        XCTAssertEqual(try db.stats().index, explicit)
        XCTAssertEqual(log.tunings, [], "\(log.lines)")

        // Back to automatic: tuned on the same graph, without a rebuild.
        var rebuilt = false
        try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 8)) { _, _ in rebuilt = true }
        XCTAssertFalse(rebuilt)
        XCTAssertNotNil(try db.stats().efSearchTuning)
        XCTAssertEqual(log.tunings.count, 1, "\(log.lines)")
        try db.close()
    }
}

extension LogCapture {
    /// The efSearch tunings logged.
    fileprivate var tunings: [String] { lines.filter { $0.contains("tuned HNSW efSearch") } }
}
