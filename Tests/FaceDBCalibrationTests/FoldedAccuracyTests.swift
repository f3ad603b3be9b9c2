import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import XCTest

final class FoldedAccuracyTests: XCTestCase {
    func testPerfectlySeparable() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        var pairs: [FoldedAccuracy.Pair] = []
        for fold in 0..<10 {
            for _ in 0..<30 {
                pairs.append((0.2 + 0.3 * Float(rng.next() % 1000) / 1000, true, fold))
                pairs.append((0.6 + 0.3 * Float(rng.next() % 1000) / 1000, false, fold))
            }
        }
        let result = try FoldedAccuracy(pairs: pairs, higherIsBetter: false)
        XCTAssertEqual(result.mean, 1, "seed \(seed)")
        XCTAssertEqual(result.standardDeviation, 0)
        XCTAssertEqual(result.accuracies, [Double](repeating: 1, count: 10))
        XCTAssertEqual(result.folds.map(\.pairCount), [Int](repeating: 60, count: 10))
        for t in result.thresholds { XCTAssertTrue(t > 0.5 && t < 0.6, "seed \(seed): \(t)") }
        XCTAssertEqual(try FoldedAccuracy.bestAccuracy(pairs, higherIsBetter: false).accuracy, 1)
    }

    /// Folds 0 and 1 are normal (same-person pairs close, others far); fold 2 is adversarial: six
    /// same-person pairs at 0.75, inside the different-person range. Trained on folds 0 and 1 the
    /// threshold is 0.5 and fold 2 scores 0; had fold 2 taken part in choosing its own threshold
    /// (alone or with the others, which gives 0.775) it would score 1.
    func testAdversarialFoldUsesOtherFoldsThreshold() throws {
        var pairs: [FoldedAccuracy.Pair] = []
        for fold in 0..<2 {
            pairs += [
                (0.1, true, fold), (0.2, true, fold), (0.3, true, fold),
                (0.7, false, fold), (0.8, false, fold), (0.9, false, fold),
            ]
        }
        pairs += [FoldedAccuracy.Pair](repeating: (0.75, true, 2), count: 6)
        for higherIsBetter in [false, true] {
            let sign: Float = higherIsBetter ? -1 : 1
            let signed = pairs.map { (score: $0.score * sign, same: $0.same, fold: $0.fold) }
            let result = try FoldedAccuracy(pairs: signed, higherIsBetter: higherIsBetter)
            XCTAssertEqual(result.folds.map(\.fold), [0, 1, 2])
            XCTAssertEqual(result.folds[2].threshold, 0.5 * sign, "chosen on folds 0 and 1 only")
            XCTAssertEqual(result.folds[2].accuracy, 0)
            // Folds 0 and 1 are judged by the other normal fold plus fold 2: the threshold moves
            // to 0.775 (between 0.75 and 0.8) and lets the 0.7 impostor through.
            for fold in 0..<2 {
                XCTAssertEqual(result.folds[fold].threshold, 0.775 * sign, accuracy: 1e-6)
                XCTAssertEqual(result.folds[fold].accuracy, 5.0 / 6, accuracy: 1e-12)
            }
            XCTAssertEqual(result.mean, 5.0 / 9, accuracy: 1e-12)
            XCTAssertEqual(result.standardDeviation, 50.0.squareRoot() / 18, accuracy: 1e-12)

            let all = try FoldedAccuracy.bestAccuracy(signed, higherIsBetter: higherIsBetter)
            XCTAssertEqual(all.accuracy, 16.0 / 18, accuracy: 1e-12)
            XCTAssertEqual(all.threshold, 0.775 * sign, accuracy: 1e-6)
            XCTAssertEqual(try FoldedAccuracy.accuracy(signed, at: 0.5 * sign, higherIsBetter: higherIsBetter), 12.0 / 18)
            XCTAssertEqual(try FoldedAccuracy.accuracy(signed, at: 0.25 * sign, higherIsBetter: higherIsBetter), 10.0 / 18)
        }
    }

    /// A held-out accuracy that depends on where the other folds put the threshold.
    func testKnownHeldOutAccuracy() throws {
        // Folds 1 and 2 place the boundary between 0.4 and 0.6 (midpoint 0.5). Fold 0 has a same-person
        // pair at 0.55, which that threshold rejects: 3 of its 4 pairs are right.
        let pairs: [FoldedAccuracy.Pair] = [
            (0.1, true, 0), (0.55, true, 0), (0.8, false, 0), (0.9, false, 0),
            (0.2, true, 1), (0.4, true, 1), (0.6, false, 1), (0.7, false, 1),
            (0.3, true, 2), (0.4, true, 2), (0.6, false, 2), (0.95, false, 2),
        ]
        let result = try FoldedAccuracy(pairs: pairs, higherIsBetter: false)
        XCTAssertEqual(result.folds[0].threshold, 0.5)
        XCTAssertEqual(result.folds[0].accuracy, 0.75)
        XCTAssertEqual(result.accuracies, [0.75, 1, 1])
        let best = try FoldedAccuracy.bestAccuracy(pairs, higherIsBetter: false)
        XCTAssertEqual(best.accuracy, 1)
        XCTAssertEqual(best.threshold, 0.575, accuracy: 1e-6, "midpoint of 0.55 and 0.6")
    }

    func testEndsAndErrors() throws {
        // All pairs different: the best threshold accepts nothing (below every score).
        let different: [FoldedAccuracy.Pair] = [(0.3, false, 0), (0.6, false, 1)]
        let best = try FoldedAccuracy.bestAccuracy(different, higherIsBetter: false)
        XCTAssertEqual(best.accuracy, 1)
        XCTAssertLessThan(best.threshold, 0.3)
        let same: [FoldedAccuracy.Pair] = [(0.3, true, 0), (0.6, true, 1)]
        XCTAssertGreaterThan(try FoldedAccuracy.bestAccuracy(same, higherIsBetter: false).threshold, 0.6)
        XCTAssertLessThan(try FoldedAccuracy.bestAccuracy(same, higherIsBetter: true).threshold, 0.3)

        XCTAssertThrowsError(try FoldedAccuracy(pairs: [], higherIsBetter: false))
        XCTAssertThrowsError(try FoldedAccuracy(pairs: [(0.1, true, 0), (0.2, false, 0)], higherIsBetter: false)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try FoldedAccuracy(pairs: [(.nan, true, 0), (0.2, false, 1)], higherIsBetter: false))
        XCTAssertThrowsError(try FoldedAccuracy.accuracy(same, at: .nan, higherIsBetter: false))
    }
}
