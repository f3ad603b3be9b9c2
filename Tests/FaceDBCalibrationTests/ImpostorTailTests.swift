import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

final class ImpostorTailTests: XCTestCase {
    func testEstimatesMatchROCInsideTailAndBoundOutside() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        // Coarse scores so that the tail's cutoff is tied with scores that were not kept.
        let scores = (0..<5000).map { _ in (rng.nextGaussian() * 20).rounded() / 20 }
        for higherIsBetter in [false, true] {
            let roc = try ROC(genuine: [0], impostor: scores, higherIsBetter: higherIsBetter)
            let tail = try roc.impostorTail(cap: 300)
            XCTAssertEqual(tail, try ImpostorTail(impostor: scores, higherIsBetter: higherIsBetter, cap: 300))
            XCTAssertEqual(tail.count, 5000)
            XCTAssertEqual(tail.scores.count, 300)
            let d = tail.scores.map { higherIsBetter ? -$0 : $0 }
            XCTAssertEqual(d, d.sorted(), "most similar first")

            var exact = 0
            var bounds = 0
            for i in 0..<400 {
                let s = i % 2 == 0 ? scores[Int(rng.next() % 5000)] : rng.nextGaussian() * 1.2
                let truth = try roc.estimatedFMR(of: s)
                let estimate = try tail.estimatedFMR(of: s)
                let context = "seed \(seed), score \(s), higherIsBetter \(higherIsBetter)"
                let cutoff = tail.scores.last!
                let beyond = higherIsBetter ? s <= cutoff : s >= cutoff
                XCTAssertEqual(estimate.isExact, !beyond, context)
                if estimate.isExact {
                    exact += 1
                    XCTAssertEqual(estimate, .exact(truth), context)
                } else {
                    bounds += 1
                    XCTAssertEqual(estimate, .atLeast(300.0 / 5000), context)
                    XCTAssertGreaterThanOrEqual(truth, estimate.value, context)
                }
            }
            XCTAssertGreaterThan(exact, 10, "seed \(seed)")
            XCTAssertGreaterThan(bounds, 10, "seed \(seed)")
        }
    }

    func testEverythingKeptIsAlwaysExact() throws {
        let tail = try ImpostorTail(impostor: [0.9, 0.5, 0.7, 0.5], higherIsBetter: false)
        XCTAssertEqual(tail.scores, [0.5, 0.5, 0.7, 0.9])
        XCTAssertEqual(try tail.estimatedFMR(of: 0.5), .exact(0.5))
        XCTAssertEqual(try tail.estimatedFMR(of: 0.4), .exact(0))
        XCTAssertEqual(try tail.estimatedFMR(of: 2), .exact(1))
        let small = try ImpostorTail(impostor: [0.9, 0.5, 0.7, 0.5], higherIsBetter: false, cap: 2)
        XCTAssertEqual(small.scores, [0.5, 0.5])
        XCTAssertEqual(try small.estimatedFMR(of: 0.45), .exact(0))
        XCTAssertEqual(try small.estimatedFMR(of: 0.5), .atLeast(0.5), "an unkept impostor could tie with 0.5")
        XCTAssertEqual(try small.estimatedFMR(of: 0.8).value, 0.5)
        XCTAssertThrowsError(try small.estimatedFMR(of: .nan))
    }

    func testCodableRoundTripAndValidation() throws {
        let tail = try ImpostorTail(impostor: [0.1, 0.3, 0.2], higherIsBetter: true, cap: 2)
        let data = try JSONEncoder().encode(tail)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"higher_is_better\":true"), json)
        XCTAssertEqual(try JSONDecoder().decode(ImpostorTail.self, from: data), tail)
        for bad in [
            #"{"count": 3, "scores": [0.1, 0.3], "higher_is_better": true}"#,  // not most similar first
            #"{"count": 1, "scores": [0.3, 0.1], "higher_is_better": true}"#,  // more scores than count
            #"{"count": 0, "scores": [], "higher_is_better": true}"#,
        ] {
            XCTAssertThrowsError(try JSONDecoder().decode(ImpostorTail.self, from: Data(bad.utf8)), bad)
        }
    }

    func testInvalidInput() {
        XCTAssertThrowsError(try ImpostorTail(impostor: [], higherIsBetter: false)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try ImpostorTail(impostor: [1], higherIsBetter: false, cap: 0))
        XCTAssertThrowsError(try ImpostorTail(impostor: [1, .nan], higherIsBetter: false))
    }
}
