import FaceDBCore
import FaceDBTestSupport
import XCTest

/// `Metric`'s score rules against values written out by hand: L2 is a distance (smaller is
/// better, a match is `<=` the threshold), cosine and ip are similarities (larger is better, `>=`).
final class MetricTests: XCTestCase {
    func testDirection() {
        XCTAssertFalse(Metric.l2.higherIsBetter)
        XCTAssertTrue(Metric.cosine.higherIsBetter)
        XCTAssertTrue(Metric.innerProduct.higherIsBetter)
        XCTAssertTrue(Metric.l2.isBetter(0.3, than: 0.5))
        XCTAssertFalse(Metric.l2.isBetter(0.5, than: 0.3))
        XCTAssertFalse(Metric.l2.isBetter(0.5, than: 0.5))
        for metric in [Metric.cosine, .innerProduct] {
            XCTAssertTrue(metric.isBetter(0.5, than: 0.3))
            XCTAssertFalse(metric.isBetter(0.3, than: 0.5))
            XCTAssertFalse(metric.isBetter(0.5, than: 0.5))
        }
    }

    func testBestOfIsTheMostSimilar() {
        let seed = SeededGenerator.seedFromEnvironment()
        var g = SeededGenerator(seed: seed)
        for _ in 0..<50 {
            let scores = (0..<Int.random(in: 1...20, using: &g)).map { _ in g.nextGaussian() }
            XCTAssertEqual(Metric.l2.best(of: scores), scores.min(), "seed \(seed)")
            XCTAssertEqual(Metric.cosine.best(of: scores), scores.max(), "seed \(seed)")
            XCTAssertEqual(Metric.innerProduct.best(of: scores), scores.max(), "seed \(seed)")
        }
        XCTAssertNil(Metric.l2.best(of: [Float]()))
        XCTAssertNil(Metric.cosine.best(of: [Float]()))
    }

    func testPassesIsInclusiveInTheMetricsDirection() {
        XCTAssertTrue(Metric.l2.passes(0.59, threshold: 0.6))
        XCTAssertTrue(Metric.l2.passes(0.6, threshold: 0.6))
        XCTAssertFalse(Metric.l2.passes(0.61, threshold: 0.6))
        for metric in [Metric.cosine, .innerProduct] {
            XCTAssertTrue(metric.passes(0.91, threshold: 0.9))
            XCTAssertTrue(metric.passes(0.9, threshold: 0.9))
            XCTAssertFalse(metric.passes(0.89, threshold: 0.9))
        }
    }

    func testIndexDistancesBecomeNaturalScores() {
        XCTAssertEqual(Metric.l2.score(fromIndexDistance: 25), 5)
        XCTAssertEqual(Metric.l2.score(fromIndexDistance: 0.36), 0.6, accuracy: 1e-7)
        XCTAssertEqual(Metric.l2.score(fromIndexDistance: -1e-7), 0, "rounding below zero is a zero distance")
        XCTAssertEqual(Metric.cosine.score(fromIndexDistance: 0.8), 0.8)
        XCTAssertEqual(Metric.innerProduct.score(fromIndexDistance: -3), -3)
    }

    func testMarginAndRanking() {
        XCTAssertEqual(Metric.l2.margin(of: 0.2, over: 0.5), 0.3, accuracy: 1e-7)
        XCTAssertEqual(Metric.cosine.margin(of: 0.9, over: 0.7), 0.2, accuracy: 1e-7)
        var rows: [(id: Int, score: Float)] = [(3, 0.5), (1, 0.2), (2, 0.5), (0, 0.9)]
        rows.sort { Metric.l2.ranksBefore($0.score, $1.score, tieBreak: $0.id < $1.id) }
        XCTAssertEqual(rows.map(\.id), [1, 2, 3, 0])
        rows.sort { Metric.cosine.ranksBefore($0.score, $1.score, tieBreak: $0.id < $1.id) }
        XCTAssertEqual(rows.map(\.id), [0, 2, 3, 1])
    }
}
