import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Search, identification and verification on L2, cosine and inner-product databases, against
/// oracles written here by hand: scores computed from the raw vectors, ordered by the direction
/// each metric is documented to have (never through `Metric`'s own helpers), and thresholds chosen
/// between hand-computed scores.
final class ScoreDirectionTests: XCTestCase {
    var directory: TemporaryDirectory!
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
    let dimension = 8

    override func setUp() { directory = TemporaryDirectory("scores") }
    override func tearDown() { directory = nil }

    /// The score the product documents, from raw vectors: Euclidean distance for L2, cosine of the
    /// raw vectors for cosine, the plain dot product for ip.
    func handScore(_ a: [Float], _ b: [Float], _ metric: Metric) -> Float {
        var dot = 0.0, aa = 0.0, bb = 0.0, squares = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            aa += Double(a[i]) * Double(a[i])
            bb += Double(b[i]) * Double(b[i])
            squares += Double(a[i] - b[i]) * Double(a[i] - b[i])
        }
        switch metric {
        case .l2: return Float(squares.squareRoot())
        case .cosine: return Float(dot / (aa.squareRoot() * bb.squareRoot()))
        case .innerProduct: return Float(dot)
        }
    }

    /// Whether `a` is the better score: the documented direction, written out.
    func handBetter(_ a: Float, _ b: Float, _ metric: Metric) -> Bool {
        metric == .l2 ? a < b : a > b
    }

    func randomVector(_ g: inout SeededGenerator) -> [Float] {
        (0..<dimension).map { _ in g.nextGaussian() }
    }

    /// A database of `people` identities with `faces` random faces each; returns the raw vectors.
    func gallery(_ metric: Metric, people: Int, faces: Int, _ g: inout SeededGenerator) throws -> (
        FaceDatabase, [(identity: String, vector: [Float])]
    ) {
        let db = try FaceDatabase.create(
            at: directory.path("db-\(metric.rawValue)-\(UUID().uuidString)"),
            space: EmbeddingSpace(model: "synthetic", dimension: dimension, metric: metric), options: quiet)
        var stored: [(identity: String, vector: [Float])] = []
        for p in 0..<people {
            let name = "p\(p)"
            try db.addIdentity(name)
            let vectors = (0..<faces).map { _ in randomVector(&g) }
            try db.addFaces(vectors.map { NewFace(identity: name, embedding: $0) })
            stored += vectors.map { (name, $0) }
        }
        return (db, stored)
    }

    func testSearchIsBestFirstByBruteForceForEveryMetric() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        for metric in Metric.allCases {
            var g = SeededGenerator(seed: seed)
            let (db, stored) = try gallery(metric, people: 40, faces: 5, &g)
            defer { try? db.close() }
            for q in 0..<10 {
                let probe = randomVector(&g)
                let hits = try db.search(probe, k: 15)
                let truth = stored.map { (identity: $0.identity, score: handScore(probe, $0.vector, metric)) }
                    .sorted { handBetter($0.score, $1.score, metric) }
                XCTAssertEqual(hits.count, 15, "\(metric) query \(q); seed \(seed)")
                for (rank, (hit, want)) in zip(hits, truth).enumerated() {
                    XCTAssertEqual(
                        hit.score, want.score, accuracy: 1e-4 * max(1, abs(want.score)),
                        "\(metric) query \(q) rank \(rank) score; seed \(seed)")
                }
                for (a, b) in zip(hits, hits.dropFirst()) {
                    XCTAssertFalse(handBetter(b.score, a.score, metric), "\(metric) query \(q): \(b.score) ranked after \(a.score); seed \(seed)")
                }
            }
        }
    }

    func testIdentifyAndVerifyDecideAgainstHandComputedThresholdsForEveryMetric() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        for metric in Metric.allCases {
            var g = SeededGenerator(seed: seed &+ 1)
            let (db, stored) = try gallery(metric, people: 12, faces: 3, &g)
            defer { try? db.close() }
            var decided = 0
            defer { XCTAssertGreaterThan(decided, 3, "\(metric): probes with clear gaps; seed \(seed)") }
            for q in 0..<8 {
                let probe = randomVector(&g)
                // Each identity's best face score, identities best first.
                var best: [String: Float] = [:]
                for (identity, vector) in stored {
                    let s = handScore(probe, vector, metric)
                    if best[identity].map({ handBetter(s, $0, metric) }) ?? true { best[identity] = s }
                }
                let ranked = best.sorted { handBetter($0.value, $1.value, metric) }
                let (first, second, third) = (ranked[0], ranked[1], ranked[2])
                let context = "\(metric) probe \(q); seed \(seed)"
                guard abs(first.value - second.value) > 1e-3, abs(second.value - third.value) > 1e-3 else { continue }
                decided += 1

                // Between the best and the runner-up: only the best matches.
                let between = (first.value + second.value) / 2
                var answer = try db.identify(probe, options: IdentificationOptions(k: 3, margin: 0, threshold: between))
                XCTAssertEqual(answer.matches.map(\.identity), [first.key, second.key, third.key], context)
                XCTAssertEqual(answer.matches.map(\.decision), [.match, .unknown, .unknown], context)
                XCTAssertEqual(answer.identity, first.key, context)
                XCTAssertEqual(answer.matches[0].score, first.value, accuracy: 1e-4 * max(1, abs(first.value)), context)

                // Short of the best: nobody.
                let beyond = first.value + (metric == .l2 ? -0.01 : 0.01) * max(1, abs(first.value))
                answer = try db.identify(probe, options: IdentificationOptions(k: 3, threshold: beyond))
                XCTAssertEqual(answer.decision, .unknown, context)
                XCTAssertEqual(answer.matches.map(\.decision), [.unknown, .unknown, .unknown], context)

                // Between the runner-up and the third: two match; a margin wider than their gap makes it ambiguous.
                let two = (second.value + third.value) / 2
                let gap = abs(first.value - second.value)
                answer = try db.identify(probe, options: IdentificationOptions(k: 3, margin: gap * 1.5, threshold: two))
                XCTAssertEqual(answer.matches.map(\.decision), [.ambiguous, .match, .unknown], context)
                XCTAssertNil(answer.identity, context)
                answer = try db.identify(probe, options: IdentificationOptions(k: 3, margin: gap * 0.5, threshold: two))
                XCTAssertEqual(answer.matches.map(\.decision), [.match, .match, .unknown], context)
                XCTAssertEqual(answer.identity, first.key, context)

                // 1:1 against an identity: the best face decides.
                var verification = try db.verify(probe, identity: first.key, threshold: between)
                XCTAssertEqual(verification.decision, .match, context)
                XCTAssertEqual(verification.score, first.value, accuracy: 1e-4 * max(1, abs(first.value)), context)
                verification = try db.verify(probe, identity: second.key, threshold: between)
                XCTAssertEqual(verification.decision, .unknown, context)
                // 1:1 between two embeddings, with the threshold on either side of their score.
                let other = stored[q].vector
                let pair = handScore(probe, other, metric)
                let looser = pair + (metric == .l2 ? 0.01 : -0.01) * max(1, abs(pair))
                let stricter = pair + (metric == .l2 ? -0.01 : 0.01) * max(1, abs(pair))
                XCTAssertEqual(try db.verify(probe, other, threshold: looser).decision, .match, context)
                XCTAssertEqual(try db.verify(probe, other, threshold: stricter).decision, .unknown, context)
            }
        }
    }
}
