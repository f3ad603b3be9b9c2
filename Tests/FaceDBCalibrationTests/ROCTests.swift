import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import XCTest

final class ROCTests: XCTestCase {
    // L2: genuine distances are small, impostor distances large, one overlap (0.6 vs 0.5).
    let l2 = try! ROC(genuine: [0.4, 0.2, 0.6, 0.3], impostor: [0.9, 0.5, 1.0, 0.7, 0.8], higherIsBetter: false)
    // The same situation as similarities: larger is more similar.
    let cosine = try! ROC(genuine: [0.6, 0.8, 0.4, 0.7], impostor: [0.1, 0.5, 0.0, 0.3, 0.2], higherIsBetter: true)

    func testRatesAtThresholdsL2() throws {
        XCTAssertEqual(try l2.fmr(at: 0.5), 0.2)
        XCTAssertEqual(try l2.fnmr(at: 0.5), 0.25)
        XCTAssertEqual(try l2.fmr(at: 0.45), 0)
        XCTAssertEqual(try l2.fnmr(at: 0.45), 0.25)
        XCTAssertEqual(try l2.fmr(at: 0.75), 0.4)
        XCTAssertEqual(try l2.fnmr(at: 0.75), 0)
        XCTAssertEqual(try l2.fmr(at: 0.1), 0)
        XCTAssertEqual(try l2.fnmr(at: 0.1), 1)
        XCTAssertEqual(try l2.fmr(at: 5), 1)
        XCTAssertEqual(try l2.estimatedFMR(of: 0.8), 0.6, "0.5, 0.7 and 0.8 are at least as close as 0.8")
    }

    func testRatesAtThresholdsSimilarity() throws {
        XCTAssertEqual(try cosine.fmr(at: 0.5), 0.2)
        XCTAssertEqual(try cosine.fnmr(at: 0.5), 0.25)
        XCTAssertEqual(try cosine.fmr(at: 0.55), 0)
        XCTAssertEqual(try cosine.fmr(at: 0.25), 0.4)
        XCTAssertEqual(try cosine.fnmr(at: 0.25), 0)
        XCTAssertEqual(try cosine.fnmr(at: 0.9), 1)
        XCTAssertEqual(try cosine.estimatedFMR(of: 0.2), 0.6)
    }

    func testEqualErrorRate() throws {
        // Thresholds 0.2…1.0: |FMR − FNMR| is smallest (0.05) at 0.5, where FMR 0.2 and FNMR 0.25.
        let eer = try l2.equalErrorRate
        XCTAssertEqual(eer.rate, 0.225, accuracy: 1e-12)
        XCTAssertEqual(eer.threshold, 0.5)
        let eerCosine = try cosine.equalErrorRate
        XCTAssertEqual(eerCosine.rate, 0.225, accuracy: 1e-12)
        XCTAssertEqual(eerCosine.threshold, 0.5)
        // Perfect separation: a threshold with no errors at all.
        let perfect = try ROC(genuine: [0.1, 0.2], impostor: [0.8, 0.9], higherIsBetter: false).equalErrorRate
        XCTAssertEqual(perfect.rate, 0)
        XCTAssertEqual(perfect.threshold, 0.2, "the first score where FMR = FNMR = 0")
    }

    func testThresholdForFMRByCounting() throws {
        let t = try XCTUnwrap(l2.threshold(forFMR: 0.2))
        XCTAssertEqual(t, Float(0.7).nextDown, "admits 0.5, stops just before 0.7")
        XCTAssertEqual(try l2.fmr(at: t), 0.2)
        XCTAssertEqual(try l2.fnmr(at: t), 0)
        XCTAssertEqual(l2.threshold(forFMR: 0.1), Float(0.5).nextDown)
        XCTAssertEqual(l2.threshold(forFMR: 0.0), Float(0.5).nextDown)
        XCTAssertEqual(l2.threshold(forFMR: 1), .infinity)
        XCTAssertEqual(cosine.threshold(forFMR: 0.2), Float(0.3).nextUp)
        XCTAssertEqual(cosine.threshold(forFMR: 0.1), Float(0.5).nextUp)
        XCTAssertEqual(try cosine.fmr(at: XCTUnwrap(cosine.threshold(forFMR: 0.45))), 0.4)

        // Ties are admitted together or not at all.
        let tied = try ROC(genuine: [0.1], impostor: [0.5, 0.5, 0.7], higherIsBetter: false)
        XCTAssertEqual(tied.threshold(forFMR: 0.34), Float(0.5).nextDown, "one impostor allowed, but 0.5 is two")
        XCTAssertEqual(tied.threshold(forFMR: 0.67), Float(0.7).nextDown)
        // 0.29 × 100 allows 29, despite 0.29 × 100 = 28.999… in floating point.
        let hundred = try ROC(genuine: [0], impostor: (0..<100).map { Float($0) }, higherIsBetter: false)
        XCTAssertEqual(try hundred.fmr(at: XCTUnwrap(hundred.threshold(forFMR: 0.29))), 0.29)

        XCTAssertNil(try ROC(genuine: [0.1], impostor: [], higherIsBetter: false).threshold(forFMR: 0.1))
    }

    /// Random score sets with many ties, both orientations: the threshold never admits more than
    /// floor(target × n) impostors, and admitting the next distinct impostor score would.
    func testThresholdForFMRPropertyWithTies() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        for round in 0..<300 {
            let n = 1 + Int(rng.next() % 400)
            let levels = 1 + Int(rng.next() % 30)
            let impostor = (0..<n).map { _ in Float(Int(rng.next() % UInt64(levels))) / 8 - 1 }
            let higherIsBetter = rng.next() % 2 == 0
            let target = Double(rng.next() % 1200) / 1000
            let roc = try ROC(genuine: [0], impostor: impostor, higherIsBetter: higherIsBetter)
            let context = "seed \(seed), round \(round), n \(n), target \(target), higherIsBetter \(higherIsBetter)"

            let t = try XCTUnwrap(roc.threshold(forFMR: target), context)
            func matches(_ s: Float, _ t: Float) -> Bool { higherIsBetter ? s >= t : s <= t }
            let admitted = impostor.filter { matches($0, t) }.count
            let allowed = min(n, Int((target * Double(n) + 1e-9).rounded(.down)))
            XCTAssertLessThanOrEqual(admitted, allowed, context)
            XCTAssertLessThanOrEqual(try roc.fmr(at: t), target + 1e-12, context)
            XCTAssertEqual(try roc.fmr(at: t), Double(admitted) / Double(n), context)
            // The most similar impostor score left out, used as threshold, admits too many.
            let rejected = impostor.filter { !matches($0, t) }
            if let next = higherIsBetter ? rejected.max() : rejected.min() {
                XCTAssertGreaterThan(impostor.filter { matches($0, next) }.count, allowed, context)
            } else {
                XCTAssertEqual(allowed, n, context)
            }
        }
    }

    func testEstimatedFMRMatchesCounting() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let impostor = (0..<500).map { _ in (rng.nextGaussian() * 4).rounded() / 4 }
        for higherIsBetter in [false, true] {
            let roc = try ROC(genuine: [0], impostor: impostor, higherIsBetter: higherIsBetter)
            for _ in 0..<50 {
                let s = (rng.nextGaussian() * 8).rounded() / 8
                let expected = Double(impostor.filter { higherIsBetter ? $0 >= s : $0 <= s }.count) / 500
                XCTAssertEqual(try roc.estimatedFMR(of: s), expected, "seed \(seed), score \(s)")
            }
        }
    }

    func testSupportedFMRs() throws {
        func supported(_ n: Int) throws -> [Double] {
            let roc = try ROC(genuine: [0.1, 0.2], impostor: (0..<n).map { Float($0) }, higherIsBetter: false)
            return try roc.points().map { try XCTUnwrap($0.targetFMR) }
        }
        XCTAssertEqual(try supported(999), [1e-1], "1e-2 needs 10 / 1e-2 = 1000 impostors")
        XCTAssertEqual(try supported(1000), [1e-1, 1e-2])
        XCTAssertEqual(try supported(9999), [1e-1, 1e-2])
        XCTAssertEqual(try supported(10_000), [1e-1, 1e-2, 1e-3])
        XCTAssertEqual(try supported(5), [])
        let roc = try ROC(genuine: [1], impostor: [Float](repeating: 2, count: 100), higherIsBetter: false)
        XCTAssertTrue(roc.isSupported(fmr: 0.1))
        XCTAssertFalse(roc.isSupported(fmr: 0.09))
        XCTAssertFalse(roc.isSupported(fmr: 0))
        XCTAssertFalse(roc.isSupported(fmr: .nan))
    }

    func testPointsCarryMeasuredRates() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let genuine = (0..<2000).map { _ in 0.4 + 0.1 * rng.nextGaussian() }
        let impostor = (0..<20_000).map { _ in 1.0 + 0.15 * rng.nextGaussian() }
        let roc = try ROC(genuine: genuine, impostor: impostor, higherIsBetter: false)
        let points = try roc.points()
        XCTAssertEqual(points.map(\.targetFMR), [1e-1, 1e-2, 1e-3], "seed \(seed)")
        for p in points {
            XCTAssertEqual(p.threshold, roc.threshold(forFMR: p.targetFMR!), "seed \(seed)")
            XCTAssertEqual(p.fmr, try roc.fmr(at: p.threshold))
            XCTAssertLessThanOrEqual(p.fmr, p.targetFMR!)
            XCTAssertEqual(p.fnmr, try roc.fnmr(at: p.threshold))
            XCTAssertEqual(p.tar, 1 - p.fnmr)
        }
        XCTAssertTrue(zip(points, points.dropFirst()).allSatisfy { $0.threshold > $1.threshold }, "stricter at lower FMR")
    }

    func testCurveIsDownsampledMonotoneAndLogSpaced() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let genuine = (0..<3000).map { _ in 0.5 + 0.1 * rng.nextGaussian() }
        let impostor = (0..<100_000).map { _ in 1.0 + 0.12 * rng.nextGaussian() }
        for higherIsBetter in [false, true] {
            let sign: Float = higherIsBetter ? -1 : 1
            let roc = try ROC(
                genuine: genuine.map { $0 * sign }, impostor: impostor.map { $0 * sign },
                higherIsBetter: higherIsBetter)
            let curve = try roc.curve(maxPoints: 60)
            let context = "seed \(seed), higherIsBetter \(higherIsBetter)"
            XCTAssertLessThanOrEqual(curve.count, 60, context)
            XCTAssertGreaterThan(curve.count, 30, context)
            let all = Set(genuine.map { $0 * sign } + impostor.map { $0 * sign })
            for p in curve {
                XCTAssertTrue(all.contains(p.threshold), "thresholds are scores; \(context)")
                XCTAssertEqual(p.fmr, try roc.fmr(at: p.threshold), context)
                XCTAssertEqual(p.fnmr, try roc.fnmr(at: p.threshold), context)
                XCTAssertNil(p.targetFMR)
            }
            for (a, b) in zip(curve, curve.dropFirst()) {
                XCTAssertTrue(higherIsBetter ? a.threshold > b.threshold : a.threshold < b.threshold, context)
                XCTAssertLessThanOrEqual(a.fmr, b.fmr, context)
                XCTAssertGreaterThanOrEqual(a.fnmr, b.fnmr, context)
            }
            XCTAssertEqual(curve.first?.threshold, higherIsBetter ? all.max() : all.min(), context)
            XCTAssertEqual(curve.last?.fmr, 1, context)
            XCTAssertEqual(curve.last?.fnmr, 0, context)
            // Log spacing reaches the low-FMR region a linear spacing would skip.
            XCTAssertGreaterThanOrEqual(curve.filter { $0.fmr > 0 && $0.fmr <= 1e-3 }.count, 10, context)
            XCTAssertGreaterThanOrEqual(curve.filter { $0.fmr > 1e-3 && $0.fmr <= 1e-2 }.count, 5, context)
        }
        XCTAssertThrowsError(try ROC(genuine: [1], impostor: [2], higherIsBetter: false).curve(maxPoints: 3))
    }

    func testErrors() throws {
        func assertInvalid(_ body: @autoclosure () throws -> Any, _ what: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), what, line: line) { error in
                let e = error as? FaceDBError
                XCTAssertEqual(e?.code, .invalidArgument, what, line: line)
                XCTAssertNotNil(e?.remedy, what, line: line)
            }
        }
        assertInvalid(try ROC(genuine: [0.1, .nan], impostor: [0.5], higherIsBetter: false), "NaN genuine")
        assertInvalid(try ROC(genuine: [0.1], impostor: [.infinity], higherIsBetter: false), "infinite impostor")
        let noImpostors = try ROC(genuine: [0.1], impostor: [], higherIsBetter: false)
        let noGenuine = try ROC(genuine: [], impostor: [0.5], higherIsBetter: false)
        assertInvalid(try noImpostors.fmr(at: 0.3), "fmr without impostors")
        assertInvalid(try noImpostors.estimatedFMR(of: 0.3), "estimate without impostors")
        assertInvalid(try noGenuine.fnmr(at: 0.3), "fnmr without genuine")
        assertInvalid(try noGenuine.equalErrorRate, "EER without genuine")
        assertInvalid(try noImpostors.equalErrorRate, "EER without impostors")
        assertInvalid(try noGenuine.points(), "points without genuine")
        assertInvalid(try noImpostors.curve(), "curve without impostors")
        assertInvalid(try l2.fmr(at: .nan), "NaN threshold")
        XCTAssertEqual(try noImpostors.points(), [], "nothing is supported without impostors")
        XCTAssertEqual(try noGenuine.fmr(at: 0.5), 1)
    }
}
