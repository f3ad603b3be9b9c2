import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import XCTest

final class FPIRTests: XCTestCase {
    func testFPIRAndThresholdCounting() throws {
        let l2 = try FPIRCalibration(bestImpostorScores: [0.9, 0.5, 0.3, 0.5], galleryIdentities: 100, higherIsBetter: false)
        XCTAssertEqual(l2.galleryIdentities, 100)
        XCTAssertEqual(l2.probeCount, 4)
        XCTAssertEqual(try l2.fpir(at: 0.5), 0.75)
        XCTAssertEqual(try l2.fpir(at: 0.29), 0)
        XCTAssertEqual(l2.threshold(forFPIR: 0.5), Float(0.5).nextDown, "two allowed, but the tie at 0.5 would make three")
        XCTAssertEqual(l2.threshold(forFPIR: 0.75), Float(0.9).nextDown)
        XCTAssertEqual(try l2.fpir(at: XCTUnwrap(l2.threshold(forFPIR: 0.75))), 0.75)
        XCTAssertEqual(l2.threshold(forFPIR: 0), Float(0.3).nextDown)
        XCTAssertEqual(l2.threshold(forFPIR: 1), .infinity)

        let cosine = try FPIRCalibration(bestImpostorScores: [0.1, 0.5, 0.7, 0.5], galleryIdentities: 3, higherIsBetter: true)
        XCTAssertEqual(try cosine.fpir(at: 0.5), 0.75)
        XCTAssertEqual(cosine.threshold(forFPIR: 0.5), Float(0.5).nextUp)
        XCTAssertEqual(cosine.threshold(forFPIR: 0.25), Float(0.5).nextUp)
        XCTAssertEqual(cosine.threshold(forFPIR: 0.24), Float(0.7).nextUp)
    }

    func testThresholdPropertyOnRandomProbes() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        for round in 0..<100 {
            let n = 1 + Int(rng.next() % 200)
            let best = (0..<n).map { _ in Float(Int(rng.next() % 12)) / 10 }
            let target = Double(rng.next() % 1000) / 1000
            let calibration = try FPIRCalibration(bestImpostorScores: best, galleryIdentities: 10, higherIsBetter: false)
            let t = try XCTUnwrap(calibration.threshold(forFPIR: target))
            let allowed = Int((target * Double(n) + 1e-9).rounded(.down))
            let context = "seed \(seed), round \(round), target \(target), n \(n)"
            XCTAssertLessThanOrEqual(best.filter { $0 <= t }.count, allowed, context)
            if let next = best.filter({ $0 > t }).min() {
                XCTAssertGreaterThan(best.filter { $0 <= next }.count, allowed, context)
            }
        }
    }

    func testSupportAndErrors() throws {
        let probes = try FPIRCalibration(bestImpostorScores: [Float](repeating: 1, count: 1000), galleryIdentities: 5, higherIsBetter: true)
        XCTAssertTrue(probes.isSupported(fpir: 1e-2))
        XCTAssertFalse(probes.isSupported(fpir: 1e-3))
        let none = try FPIRCalibration(bestImpostorScores: [], galleryIdentities: 5, higherIsBetter: true)
        XCTAssertNil(none.threshold(forFPIR: 0.1))
        XCTAssertThrowsError(try none.fpir(at: 0.5)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument) }
        XCTAssertThrowsError(try FPIRCalibration(bestImpostorScores: [1], galleryIdentities: 0, higherIsBetter: true))
        XCTAssertThrowsError(try FPIRCalibration(bestImpostorScores: [.nan], galleryIdentities: 1, higherIsBetter: true))
    }
}
