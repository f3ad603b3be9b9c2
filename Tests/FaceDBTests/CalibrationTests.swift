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
        let point = try XCTUnwrap(report.operatingPoint)
        let t = point.verificationThreshold
        let falseMatches = impostor.filter { $0 <= t }.count
        XCTAssertLessThanOrEqual(Double(falseMatches), 1e-3 * Double(impostor.count), "seed \(rng.seed)")
        // The threshold is the most permissive one: the next larger impostor score would exceed the target.
        let nextImpostor = impostor.filter { $0 > t }.min()!
        XCTAssertGreaterThan(Double(impostor.filter { $0 <= nextImpostor }.count), 1e-3 * Double(impostor.count), "seed \(rng.seed)")
        XCTAssertEqual(point.fnmr, Double(genuine.filter { $0 > t }.count) / Double(genuine.count), accuracy: 1e-12)
        XCTAssertEqual(point.measuredFMR, Double(falseMatches) / Double(impostor.count), accuracy: 1e-12)
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

    /// A gallery too small for the target FMR is measured as far as it goes: the ROC and EER of
    /// every pair (counted here by brute force), the FMRs it supports, no operating point, nothing
    /// stored, and one line on what more data would allow.
    func testASmallGalleryIsMeasuredAsFarAsItGoesAndNothingIsStored() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, _, stored) = try makeGallery(dir.path("db"), people: 5, faces: 3, rng: &rng)
        defer { try? db.close() }
        let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-3))
        XCTAssertNil(report.operatingPoint)
        XCTAssertNil(try db.operatingPoint(), "nothing is stored without a measurable target")
        // 15 faces of 5 people: 15 genuine and 90 impostor pairs, every one measured.
        XCTAssertEqual(report.roc.genuineCount, 15)
        XCTAssertEqual(report.roc.impostorCount, 90)
        var genuine: [Float] = []
        var impostor: [Float] = []
        for i in 0..<stored.count {
            for j in (i + 1)..<stored.count {
                let d = db.space.score(stored[i].1, stored[j].1)
                if stored[i].0 == stored[j].0 { genuine.append(d) } else { impostor.append(d) }
            }
        }
        let eer = report.equalErrorRate
        let fmr = Double(impostor.filter { $0 <= eer.threshold }.count) / 90
        let fnmr = Double(genuine.filter { $0 > eer.threshold }.count) / 15
        XCTAssertEqual(eer.rate, (fmr + fnmr) / 2, accuracy: 1e-9, "seed \(rng.seed)")
        XCTAssertEqual(report.points.compactMap(\.targetFMR), [], "90 pairs support no standard FMR (0.1 needs 100)")
        let line = try XCTUnwrap(report.limitation)
        XCTAssertTrue(line.contains("90 impostor pairs") && line.contains("10000"), line)
        XCTAssertTrue(line.contains("About 142 faces of different people"), line)
        XCTAssertFalse(line.contains("\n"), line)
        // 90 impostor pairs support an FMR of 0.2 (≥ 50 pairs): stored.
        XCTAssertNotNil(try db.calibrate(CalibrationOptions(targetFMR: 0.2)).operatingPoint)
        XCTAssertEqual(try db.operatingPoint()?.targetFMR, 0.2)
    }

    /// Pairs of one photo or identical vectors measure nothing and are left out: after every face
    /// is enrolled twice, one copied to another identity, and two faces share a photo digest, the
    /// pair counts are those of a brute-force count with that rule.
    func testDuplicatePhotosAndVectorsAreLeftOutOfThePairs() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, _, stored) = try makeGallery(dir.path("db"), people: 30, faces: 3, rng: &rng)
        defer { try? db.close() }
        try db.addFaces(stored.map { NewFace(identity: $0.0, embedding: $0.1) })
        try db.addFaces([NewFace(identity: stored[3].0, embedding: stored[0].1)])
        let photo = FaceSource(path: "a.jpg", imageSHA256: String(repeating: "cd", count: 32))
        try db.addFaces(
            [
                NewFace(identity: "twice", embedding: (0..<16).map { _ in rng.nextGaussian() }, source: photo),
                NewFace(identity: "twice", embedding: (0..<16).map { _ in rng.nextGaussian() }, source: photo),
            ], createMissingIdentities: true)
        let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-2, store: false))

        var faces: [Face] = []
        for p in 0..<30 { faces += try db.faces(of: "p\(p)") }
        faces += try db.faces(of: "twice")
        XCTAssertEqual(faces.count, 183)
        var genuine = 0
        var impostor = 0
        for i in 0..<faces.count {
            for j in (i + 1)..<faces.count {
                if faces[i].embedding == faces[j].embedding { continue }
                if let a = faces[i].source?.imageSHA256, a == faces[j].source?.imageSHA256 { continue }
                if faces[i].identity == faces[j].identity { genuine += 1 } else { impostor += 1 }
            }
        }
        XCTAssertEqual(report.roc.genuineCount, genuine, "seed \(rng.seed)")
        XCTAssertEqual(report.roc.impostorCount, impostor, "seed \(rng.seed)")
        // Each person: 6 faces, 15 pairs less 3 of copies; p1 also holds a copy of p0's first face
        // (7 faces, 21 pairs less 3); the two faces of one photo make none.
        XCTAssertEqual(genuine, 29 * 12 + 18)
    }

    func testIdentificationThresholdHoldsFPIRAgainstStrangers() throws {
        // Calibrate 1:N at FPIR 5% on 400 identities, then search 1,000 strangers (identities never
        // enrolled): the fraction wrongly identified must agree with 5% within sampling error.
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("calibration")
        let (db, data, _) = try makeGallery(dir.path("db"), people: 400, faces: 3, rng: &rng)
        defer { try? db.close() }
        let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-3, targetFPIR: 0.05, maxIdentificationProbes: 400))
        let t = try XCTUnwrap(report.operatingPoint?.identificationThreshold, "\(report.identificationNote ?? "")")
        XCTAssertEqual(report.operatingPoint?.galleryIdentities, 400)
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
        let point = try XCTUnwrap(report.operatingPoint)
        let t = point.verificationThreshold
        XCTAssertLessThanOrEqual(impostor.filter { $0 >= t }.count, 10, "at most 1% of 1,000 impostor pairs; seed \(rng.seed)")
        XCTAssertNil(point.identificationThreshold)
    }
}
