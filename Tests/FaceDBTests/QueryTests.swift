import FaceDB
import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Identification, verification and their decisions on constructed galleries.
final class QueryTests: XCTestCase {
    var directory: TemporaryDirectory!
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    override func setUp() { directory = TemporaryDirectory("query") }
    override func tearDown() { directory = nil }

    /// A 2-D L2 database with faces at given points.
    func gallery(_ people: [String: [[Float]]], model: String = "toy") throws -> FaceDatabase {
        let db = try FaceDatabase.create(
            at: directory.path("db-\(UUID().uuidString)"), space: EmbeddingSpace(model: model, dimension: 2, metric: .l2), options: quiet)
        for (name, points) in people.sorted(by: { $0.key < $1.key }) {
            try db.addIdentity(name, galleries: [name.hasPrefix("s") ? "staff" : "guests"])
            try db.addFaces(points.map { NewFace(identity: name, embedding: $0) })
        }
        return db
    }

    func expect(_ code: FaceDBError.Code, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual(($0 as? FaceDBError)?.code, code, "\($0)", line: line) }
    }

    func testMatchUnknownAndAmbiguousDecisions() throws {
        let db = try gallery(["ann": [[0, 0], [0.05, 0]], "bob": [[1, 0]], "sue": [[0.5, 0.02]]])
        defer { try? db.close() }
        // Close to ann only.
        var answer = try db.identify([0.02, 0], options: IdentificationOptions(k: 3, threshold: 0.3))
        XCTAssertEqual(answer.decision, .match)
        XCTAssertEqual(answer.identity, "ann")
        XCTAssertEqual(answer.matches.map(\.identity), ["ann", "sue", "bob"])
        XCTAssertEqual(answer.matches.map(\.decision), [.match, .unknown, .unknown])
        XCTAssertEqual(answer.matches[0].score, 0.02, accuracy: 1e-6)
        XCTAssertEqual(answer.thresholdSource, .caller)
        // Halfway between ann and bob, both within the threshold and 0.01 apart: ambiguous.
        answer = try db.identify([0.75, 0], options: IdentificationOptions(k: 2, margin: 0.03, threshold: 0.3))
        XCTAssertEqual(answer.matches.map(\.identity), ["bob", "sue"])
        XCTAssertEqual(answer.decision, .ambiguous)
        XCTAssertNil(answer.identity)
        // Far from everyone: unknown.
        answer = try db.identify([5, 5], options: IdentificationOptions(k: 2, threshold: 0.3))
        XCTAssertEqual(answer.decision, .unknown)
        XCTAssertEqual(answer.matches.count, 2, "unknown answers still list the closest identities")
    }

    func testFusionMeanOfBestChangesTheRanking() throws {
        // ann has one face right on the probe and one far; bob has two faces moderately close.
        let db = try gallery(["ann": [[0, 0], [2, 0]], "bob": [[0.3, 0], [-0.3, 0]]])
        defer { try? db.close() }
        let best = try db.identify([0, 0], options: IdentificationOptions(k: 2, fusion: .bestFace, threshold: 1))
        XCTAssertEqual(best.matches.map(\.identity), ["ann", "bob"])
        let mean = try db.identify([0, 0], options: IdentificationOptions(k: 2, fusion: .meanOfBest(2), threshold: 1))
        XCTAssertEqual(mean.matches.map(\.identity), ["bob", "ann"])
        XCTAssertEqual(mean.matches[0].score, 0.3, accuracy: 1e-6)
        XCTAssertEqual(mean.matches[1].score, 1.0, accuracy: 1e-6)
        XCTAssertEqual(mean.matches[1].bestFace, best.matches[0].bestFace)
    }

    func testCandidatesWidenUntilKIdentitiesAreFound() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        // 60 faces of 'crowd' around the probe, 3 other people further away.
        var people: [String: [[Float]]] = ["crowd": (0..<60).map { _ in [rng.nextGaussian() * 0.01, rng.nextGaussian() * 0.01] }]
        people["p1"] = [[1, 0]]
        people["p2"] = [[0, 2]]
        people["p3"] = [[-3, 0]]
        let db = try gallery(people)
        defer { try? db.close() }
        let answer = try db.identify([0, 0], options: IdentificationOptions(k: 4, threshold: 0.5))
        XCTAssertEqual(answer.matches.map(\.identity), ["crowd", "p1", "p2", "p3"], "seed \(rng.seed)")
        XCTAssertEqual(try db.identify([0, 0], options: IdentificationOptions(k: 10, threshold: 0.5)).matches.count, 4)
    }

    func testFiltersAndEmptyGalleries() throws {
        let db = try gallery(["ann": [[0, 0]], "sam": [[0.1, 0]], "sid": [[3, 0]]])
        defer { try? db.close() }
        let staff = try db.identify([0, 0], options: IdentificationOptions(k: 5, filter: SearchFilter(galleries: ["staff"]), threshold: 0.5))
        XCTAssertEqual(staff.matches.map(\.identity), ["sam", "sid"])
        let chosen = try db.identify([0, 0], options: IdentificationOptions(k: 5, filter: SearchFilter(identities: ["sid"]), threshold: 0.5))
        XCTAssertEqual(chosen.matches.map(\.identity), ["sid"])
        XCTAssertEqual(chosen.decision, .unknown)
        // A gallery no identity is in is an error naming it (a misspelt gallery would otherwise
        // answer "unknown" for everyone).
        expect(.invalidArgument) {
            _ = try db.identify([0, 0], options: IdentificationOptions(filter: SearchFilter(galleries: ["nobody-here"]), threshold: 0.5))
        }
    }

    func testBadInputIsRejectedSpecifically() throws {
        let empty = try FaceDatabase.create(at: directory.path("empty"), space: EmbeddingSpace(model: "m", dimension: 2, metric: .l2), options: quiet)
        expect(.emptyDatabase) { _ = try empty.identify([0, 0]) }
        expect(.emptyDatabase) { _ = try empty.calibrate() }
        try empty.close()
        let db = try gallery(["ann": [[0, 0]], "bob": [[1, 1]]])
        defer { try? db.close() }
        expect(.invalidArgument) { _ = try db.identify([0, 0], options: IdentificationOptions(k: 0)) }
        expect(.invalidArgument) { _ = try db.identify([0, 0], options: IdentificationOptions(fusion: .meanOfBest(0))) }
        expect(.dimensionMismatch) { _ = try db.identify([0, 0, 0]) }
        expect(.invalidVector) { _ = try db.identify([.nan, 0]) }
        expect(.unknownIdentity) { _ = try db.verify([0, 0], identity: "nobody") }
        expect(.dimensionMismatch) { _ = try db.verify([0, 0], [0, 0, 1]) }
        expect(.insufficientData) { _ = try db.calibrate() }
        expect(.invalidArgument) { _ = try db.calibrate(CalibrationOptions(targetFMR: 0)) }
        expect(.invalidArgument) { _ = try db.calibrate(CalibrationOptions(targetFMR: 1.5)) }
    }

    func testThresholdSources() throws {
        // The dlib model has a published default; an unknown model has none.
        let dlib = try FaceDatabase.create(at: directory.path("dlib"), space: .dlibResNet, options: quiet)
        defer { try? dlib.close() }
        var probe = [Float](repeating: 0, count: 128)
        try dlib.addFaces([NewFace(identity: "ann", embedding: probe)], createMissingIdentities: true)
        probe[0] = 0.5
        var answer = try dlib.identify(probe)
        XCTAssertEqual(answer.thresholdSource, .modelDefault)
        XCTAssertEqual(answer.threshold, 0.6)
        XCTAssertEqual(answer.decision, .match)
        probe[0] = 0.7
        answer = try dlib.identify(probe)
        XCTAssertEqual(answer.decision, .unknown)
        let toy = try gallery(["ann": [[0, 0]]])
        defer { try? toy.close() }
        XCTAssertEqual(try toy.identify([0, 0]).decision, .noThreshold)
        XCTAssertEqual(try toy.verify([0, 0], identity: "ann").decision, .noThreshold)
    }

    func testVerifyAgainstIdentityAndPair() throws {
        let db = try gallery(["ann": [[0, 0], [0, 0.4]]])
        defer { try? db.close() }
        var result = try db.verify([0, 0.1], identity: "ann", threshold: 0.2)
        XCTAssertEqual(result.score, 0.1, accuracy: 1e-6)
        XCTAssertEqual(result.decision, .match)
        XCTAssertEqual(result.bestFace, FaceID(0))
        result = try db.verify([0, 0.1], identity: "ann", fusion: .meanOfBest(2), threshold: 0.2)
        XCTAssertEqual(result.score, 0.2, accuracy: 1e-6)
        result = try db.verify([0, 0], [3, 4], threshold: 1)
        XCTAssertEqual(result.score, 5, accuracy: 1e-6)
        XCTAssertEqual(result.decision, .unknown)
        XCTAssertNil(result.estimatedFMR, "no calibration, no FMR estimate")
    }
}
