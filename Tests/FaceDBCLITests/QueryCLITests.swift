import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// identify, verify, calibrate and evaluate through the built binary.
final class QueryCLITests: XCTestCase {
    func facedb(_ arguments: String...) throws -> FacedbRun { try runFacedb(arguments) }

    func testEvaluateCSVPairsWithAKnownAnswer() throws {
        let dir = TemporaryDirectory("evaluate")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var csv = "a,b,same\n"
        // 1-D embeddings: the L2 score of a pair is |a - b|. Same pairs lie within 0.55, different
        // ones beyond 0.65, except 10 same pairs at 0.9: accuracy at 0.6 is 1990/2000, TAR at FAR 1% is
        // 990/1000, and the EER is 1% (at the 10th impostor score, FMR = FNMR = 10/1000).
        for i in 0..<2000 {
            let same = i < 1000
            // Distinct impostor scores (0.6505, 0.652, …) so that the EER is not blurred by ties.
            let d: Float = same ? (i < 10 ? 0.9 : Float(rng.next() % 550) / 1000) : 0.6505 + Float(i - 1000) * 0.0015
            let a = Float(rng.next() % 1000) / 100
            csv += "\"[\(a)]\",\"[\(a + d)]\",\(same ? 1 : 0)\n"
        }
        try csv.write(toFile: dir.path("pairs.csv"), atomically: true, encoding: .utf8)
        let r = try facedb("evaluate", "--pairs", dir.path("pairs.csv"), "--metric", "l2", "--threshold", "0.6", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(report.pairs, 2000)
        XCTAssertEqual(report.accuracy ?? 0, 0.995, accuracy: 1e-9, "seed \(rng.seed)")
        XCTAssertEqual((report.tarAtFAR["1e-02"] ?? nil) ?? 0, 0.99, accuracy: 1e-9, "seed \(rng.seed)")
        XCTAssertNil(report.tarAtFAR["1e-03"] ?? nil, "1,000 different pairs cannot support FAR 1e-3")
        XCTAssertEqual(report.equalErrorRate, 0.01, accuracy: 1e-9, "seed \(rng.seed)")
        let human = try facedb("evaluate", "--pairs", dir.path("pairs.csv"), "--metric", "l2", "--threshold", "0.6")
        XCTAssertTrue(human.stdout.contains("accuracy 0.9950"), human.stdout)
    }

    func testEvaluateLFWStylePairsWithFolds() throws {
        let dir = TemporaryDirectory("evaluate")
        // 10 folds of 3 same + 3 different pairs; each person's images embed near their own value.
        var pairs = "10\t3\n"
        var embeddings = ""
        var images = Set<String>()
        func image(_ name: String, _ n: Int, _ value: Float) -> String {
            let key = "\(name)/\(name)_\(String(format: "%04d", n)).jpg"
            if images.insert(key).inserted { embeddings += "{\"image\": \"\(key)\", \"embedding\": [\(value)]}\n" }
            return key
        }
        for fold in 0..<10 {
            for p in 0..<3 {
                let name = "Person_\(fold)_\(p)"
                _ = image(name, 1, Float(fold * 10 + p * 3))
                _ = image(name, 2, Float(fold * 10 + p * 3) + 0.2)
                pairs += "\(name)\t1\t2\n"
            }
            for p in 0..<3 {
                let a = "Person_\(fold)_\(p)", b = "Person_\(fold)_\((p + 1) % 3)"
                pairs += "\(a)\t1\t\(b)\t2\n"
            }
        }
        try pairs.write(toFile: dir.path("pairs.txt"), atomically: true, encoding: .utf8)
        try embeddings.write(toFile: dir.path("emb.jsonl"), atomically: true, encoding: .utf8)
        let r = try facedb("evaluate", "--pairs", dir.path("pairs.txt"), "--embeddings", dir.path("emb.jsonl"), "--metric", "l2", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(report.pairs, 60)
        XCTAssertEqual(report.foldAccuracies?.count, 10)
        XCTAssertEqual(report.foldMeanAccuracy, 1.0, "perfectly separable pairs")
        let missing = try facedb("evaluate", "--pairs", dir.path("pairs.txt"), "--metric", "l2")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--embeddings"), missing.stderr)
    }

    /// A first small gallery (23 people, 2 faces each: 1,012 impostor pairs) is measured as far as it
    /// goes: exit 0, the EER and the curve files, one line on what FMR 1e-3 would need, nothing stored.
    func testCalibrateOnASmallGalleryMeasuresWhatItCanAndSaysWhatItCannot() throws {
        let dir = TemporaryDirectory("query-cli")
        let path = dir.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let data = SyntheticEmbeddings(dimension: 16, identities: 40, withinSpread: 0.3, generator: &rng)
        let db = try FaceDatabase.create(
            at: path, space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try db.addFaces(
            (0..<23).flatMap { p in (0..<2).map { _ in NewFace(identity: "p\(p)", embedding: data.face(of: p, generator: &rng)) } },
            createMissingIdentities: true)
        try db.close()
        var r = try facedb("calibrate", path, "--svg", dir.path("roc.svg"), "--csv", dir.path("roc.csv"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("impostor pairs 1012"), r.stdout)
        XCTAssertTrue(r.stdout.contains("EER"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1012 impostor pairs measure false-match rates down to 0.01; FMR 0.001 needs 10000"), r.stdout)
        XCTAssertTrue(r.stdout.contains("About 142 faces of different people"), r.stdout)
        XCTAssertFalse(r.stdout.contains("stored in"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("roc.svg")))
        XCTAssertTrue(try String(contentsOfFile: dir.path("roc.csv"), encoding: .utf8).hasPrefix("threshold,fmr,fnmr,tar"))
        r = try facedb("calibrate", path, "--json")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertNil(json["operatingPoint"], r.stdout)
        XCTAssertEqual(json["stored"] as? Bool, false)
        XCTAssertTrue((json["limitation"] as? String)?.contains("10000") ?? false, r.stdout)
        let reopened = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        XCTAssertNil(try reopened.operatingPoint(), "nothing stored")
        try reopened.close()
        // The FMR it can measure is stored.
        r = try facedb("calibrate", path, "--target-fmr", "1e-2")
        XCTAssertTrue(r.stdout.contains("stored in"), r.stdout)
    }

    func testIdentifyVerifyCalibrateEndToEnd() throws {
        let dir = TemporaryDirectory("query-cli")
        let path = dir.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        // 32-D with tight identities: strangers lie far from everyone, so 'unknown' is certain.
        let data = SyntheticEmbeddings(dimension: 32, identities: 200, withinSpread: 0.2, generator: &rng)
        let db = try FaceDatabase.create(
            at: path, space: EmbeddingSpace(model: "m", dimension: 32, metric: .l2), options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try db.addFaces(
            (0..<150).flatMap { p in (0..<3).map { _ in NewFace(identity: "p\(p)", embedding: data.face(of: p, generator: &rng)) } },
            createMissingIdentities: true)
        try db.close()
        let probe = data.face(of: 7, generator: &rng).map { "\($0)" }.joined(separator: ",")
        var r = try facedb("identify", path, "--embedding", "[\(probe)]")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("no threshold known"), r.stdout)
        r = try facedb("calibrate", path, "--target-fmr", "1e-3", "--svg", dir.path("roc.svg"), "--csv", dir.path("roc.csv"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("EER"), r.stdout)
        let svg = try String(contentsOfFile: dir.path("roc.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"), String(svg.prefix(80)))
        XCTAssertTrue(svg.contains("<polyline"))
        XCTAssertTrue(try String(contentsOfFile: dir.path("roc.csv"), encoding: .utf8).hasPrefix("threshold,fmr,fnmr,tar"))
        r = try facedb("identify", path, "--embedding", "[\(probe)]", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let answer = try JSONDecoder().decode(Identification.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(answer.identity, "p7", "seed \(rng.seed)")
        XCTAssertTrue(answer.thresholdSource == .calibratedIdentification || answer.thresholdSource == .calibratedVerification)
        // A stranger far from every enrolled face (how often near strangers pass is CalibrationTests' job).
        let stranger = data.face(of: 190, generator: &rng).map { "\($0 * 5)" }.joined(separator: " ")
        r = try facedb("identify", path, "--embedding", stranger, "--json")
        XCTAssertEqual(try JSONDecoder().decode(Identification.self, from: Data(r.stdout.utf8)).decision, .unknown, "seed \(rng.seed)")
        r = try facedb("verify", path, "--embedding", "[\(probe)]", "--identity", "p7", "--json")
        let v = try JSONDecoder().decode(Verification.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(v.decision, .match, "seed \(rng.seed)")
        XCTAssertNotNil(v.estimatedFMR)
        r = try facedb("verify", path, "--embedding", "[\(probe)]", "--identity", "nobody")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("nobody"), r.stderr)
        r = try facedb("identify", path, "--embedding", "[1,2]")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("32-dimensional"), r.stderr)
        r = try facedb("identify", path, "--embedding", "[\(probe)]", "--k", "0")
        XCTAssertNotEqual(r.status, 0)
    }
}
