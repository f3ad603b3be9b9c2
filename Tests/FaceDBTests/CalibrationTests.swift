import FaceDB
import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Calibration on a stored gallery, checked by counting pairs independently.
final class CalibrationTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    /// `people` identities of `faces` faces each, 16-D, clustered.
    func makeGallery(_ path: String, people: Int, faces: Int, rng: inout SeededGenerator) throws -> (
        FaceDatabase, SyntheticEmbeddings, [(String, [Float])]
    ) {
        let data = SyntheticEmbeddings(dimension: 16, identities: people + 500, withinSpread: 0.35, generator: &rng)
        let db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "synthetic", dimension: 16, metric: .l2), options: quiet)
        var stored: [(String, [Float])] = []
        var batch: [NewFace] = []
        for p in 0..<people {
            for _ in 0..<faces {
                let v = data.face(of: p, generator: &rng)
                batch.append(NewFace(identity: "p\(p)", embedding: v))
                stored.append(("p\(p)", v))
            }
        }
        try db.addFaces(batch, createMissingIdentities: true)
        return (db, data, stored)
    }

    func testThresholdAtTargetFMRCountsOut() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, _, stored) = try makeGallery(dir.path("db"), people: 60, faces: 4, rng: &rng)
        defer { try? db.close() }
        let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-3))
        // 240 faces: every pair is measured (28,680 pairs < the cap), so count them all here.
        var genuine: [Float] = []
        var impostor: [Float] = []
        for i in 0..<stored.count {
            for j in (i + 1)..<stored.count {
                let d = db.space.score(stored[i].1, stored[j].1)
                if stored[i].0 == stored[j].0 { genuine.append(d) } else { impostor.append(d) }
            }
        }
        XCTAssertEqual(report.roc.genuineCount, genuine.count)
        XCTAssertEqual(report.roc.impostorCount, impostor.count)
        let t = report.operatingPoint.verificationThreshold
        let falseMatches = impostor.filter { $0 <= t }.count
        XCTAssertLessThanOrEqual(Double(falseMatches), 1e-3 * Double(impostor.count), "seed \(rng.seed)")
        // The threshold is the most permissive one: the next larger impostor score would exceed the target.
        let nextImpostor = impostor.filter { $0 > t }.min()!
        XCTAssertGreaterThan(Double(impostor.filter { $0 <= nextImpostor }.count), 1e-3 * Double(impostor.count), "seed \(rng.seed)")
        XCTAssertEqual(report.operatingPoint.fnmr, Double(genuine.filter { $0 > t }.count) / Double(genuine.count), accuracy: 1e-12)
        XCTAssertEqual(report.operatingPoint.measuredFMR, Double(falseMatches) / Double(impostor.count), accuracy: 1e-12)
        // Only supported rates are reported: 28k impostor pairs support 1e-3 but not 1e-4.
        XCTAssertEqual(report.points.compactMap(\.targetFMR), [1e-1, 1e-2, 1e-3])
        // Stored, and used by verify and identify.
        XCTAssertEqual(try db.operatingPoint()?.verificationThreshold, t)
        let v = try db.verify(stored[0].1, stored[1].1)
        XCTAssertEqual(v.thresholdSource, .calibratedVerification)
        // The FMR estimate of a score is the fraction of impostor pairs scoring at least as well.
        let fraction = Double(impostor.filter { $0 <= v.score }.count) / Double(impostor.count)
        XCTAssertEqual(v.estimatedFMR ?? -1, fraction, accuracy: 1e-12, "seed \(rng.seed)")
        XCTAssertEqual(v.estimatedFMRIsBound, fraction > Double(ImpostorTail.defaultCap) / Double(impostor.count))
    }

    func testTooFewImpostorsForTheTargetIsRefused() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, _, _) = try makeGallery(dir.path("db"), people: 5, faces: 3, rng: &rng)
        defer { try? db.close() }
        XCTAssertThrowsError(try db.calibrate(CalibrationOptions(targetFMR: 1e-3))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .insufficientData)
            XCTAssertTrue(($0 as? FaceDBError)?.message.contains("10000") ?? false, "\($0)")
        }
        XCTAssertNil(try db.operatingPoint(), "a refused calibration stores nothing")
        // 15 faces of 5 people: 90 impostor pairs support an FMR of 0.2 (≥ 50 pairs), not 0.1.
        XCTAssertNoThrow(try db.calibrate(CalibrationOptions(targetFMR: 0.2)))
    }

    func testIdentificationThresholdHoldsFPIRAgainstStrangers() throws {
        // Calibrate 1:N at FPIR 5% on 400 identities, then search 1,000 strangers (identities never
        // enrolled): the fraction wrongly identified must agree with 5% within sampling error.
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, data, _) = try makeGallery(dir.path("db"), people: 400, faces: 3, rng: &rng)
        defer { try? db.close() }
        let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-3, targetFPIR: 0.05, maxIdentificationProbes: 400))
        let t = try XCTUnwrap(report.operatingPoint.identificationThreshold, "\(report.identificationNote ?? "")")
        XCTAssertEqual(report.operatingPoint.galleryIdentities, 400)
        let strangers = (0..<1000).map { i in data.face(of: 400 + i % 500, generator: &rng) }
        let answers = try db.identify(batch: strangers, options: IdentificationOptions(k: 1))
        XCTAssertTrue(answers.allSatisfy { $0.thresholdSource == .calibratedIdentification && $0.threshold == t })
        let falsePositives = answers.filter { $0.decision == .match || $0.decision == .ambiguous }.count
        let rate = Double(falsePositives) / 1000
        // Binomial error of 1,000 trials plus the calibration's own (400 probes): allow 4 standard errors.
        let sigma = (0.05 * 0.95 / 1000).squareRoot() + (0.05 * 0.95 / 400).squareRoot()
        XCTAssertEqual(rate, 0.05, accuracy: 4 * sigma, "seed \(rng.seed)")
    }

    func testCalibrationFromLabelledPairs() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let db = try FaceDatabase.create(at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: 4, metric: .cosine), options: quiet)
        defer { try? db.close() }
        var pairs: [EmbeddingPair] = []
        for i in 0..<2000 {
            let a = (0..<4).map { _ in rng.nextGaussian() }
            let b = i % 2 == 0 ? a.map { $0 + 0.1 * rng.nextGaussian() } : (0..<4).map { _ in rng.nextGaussian() }
            pairs.append(EmbeddingPair(a, b, same: i % 2 == 0))
        }
        let report = try db.calibrate(pairs: pairs, options: CalibrationOptions(targetFMR: 1e-2))
        let space = db.space
        let impostor = try pairs.filter { !$0.same }.map { space.score(try space.prepare($0.a), try space.prepare($0.b)) }
        let t = report.operatingPoint.verificationThreshold
        XCTAssertLessThanOrEqual(impostor.filter { $0 >= t }.count, 10, "at most 1% of 1,000 impostor pairs; seed \(rng.seed)")
        XCTAssertNil(report.operatingPoint.identificationThreshold)
    }
}
