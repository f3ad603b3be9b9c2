import FaceDBCore

/// A compact summary of impostor scores, small enough to store in the database, that still answers
/// "how surprising is this score?" (``estimatedFMR(of:)``) for the scores that matter: the most
/// similar ones.
///
/// It keeps the number of impostor pairs measured and the `cap` most similar impostor scores.
/// For a score more similar than the least similar kept score the estimate is exact; beyond that
/// only a lower bound is known.
///
/// The encoded form is `{"count": 499500, "scores": [0.21, 0.25, …], "higher_is_better": false}`;
/// decoding checks that it is consistent.
public struct ImpostorTail: Codable, Sendable, Hashable {
    /// The default number of scores kept: enough for FMR estimates down to 1 / `count` and exact
    /// estimates up to 10 000 / `count`.
    public static let defaultCap = 10_000

    /// The number of impostor pairs that were scored.
    public let count: Int
    /// The most similar impostor scores, most similar first (ascending for L2, descending otherwise).
    public let scores: [Float]
    /// Whether a larger score means more similar.
    public let higherIsBetter: Bool

    /// What ``ImpostorTail/estimatedFMR(of:)`` knows about a score.
    public enum Estimate: Sendable, Hashable {
        /// The exact fraction of impostor pairs at least as similar as the score.
        case exact(Double)
        /// The score lies beyond the kept tail: the fraction is at least this (kept / count).
        case atLeast(Double)

        /// The exact value or the bound.
        public var value: Double {
            switch self {
            case .exact(let v), .atLeast(let v): v
            }
        }

        /// Whether ``value`` is exact rather than a lower bound.
        public var isExact: Bool {
            if case .exact = self { true } else { false }
        }
    }

    /// Summarizes impostor scores, keeping the `cap` most similar.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when `impostor` is empty, holds NaN or an
    ///   infinity, or `cap < 1`.
    public init(impostor: [Float], higherIsBetter: Bool, cap: Int = ImpostorTail.defaultCap) throws {
        try self.init(sorted: ScoreList(impostor, higherIsBetter: higherIsBetter, what: "impostor"), cap: cap)
    }

    /// Summarizes an already sorted list (see ``ROC/impostorTail(cap:)``).
    init(sorted list: ScoreList, cap: Int) throws {
        guard list.count > 0 else {
            throw FaceDBError(
                .invalidArgument, "There are no impostor scores to summarize.",
                remedy: "Score at least one different-person pair.")
        }
        guard cap >= 1 else {
            throw FaceDBError(
                .invalidArgument, "The tail must keep at least one score; \(cap) was given.",
                remedy: "Keep \(ImpostorTail.defaultCap) scores (the default) or more for FMR estimates down to 1e-4 and below.")
        }
        count = list.count
        higherIsBetter = list.higherIsBetter
        scores = list.values.prefix(cap).map(list.flip)
    }

    /// The fraction of impostor pairs at least as similar as `score`: exact when the score is more
    /// similar than the least similar kept score (or when every score was kept), otherwise the
    /// lower bound `scores.count / count`.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when the score is NaN.
    public func estimatedFMR(of score: Float) throws -> Estimate {
        guard !score.isNaN else {
            throw FaceDBError(.invalidArgument, "The score is NaN.", remedy: "Give the score of a compared pair.")
        }
        let list = ScoreList(sortedDissimilarities: scores.map(flip), higherIsBetter: higherIsBetter)
        let d = flip(score)
        let matching = list.count == 0 ? 0 : list.countMatching(d)
        let fraction = Double(matching) / Double(count)
        // Impostors that were not kept are at most as similar as the last kept one, so they can
        // only tie with or lie beyond it.
        if scores.count == count || d < list.values[list.count - 1] {
            return .exact(fraction)
        }
        return .atLeast(Double(scores.count) / Double(count))
    }

    private func flip(_ value: Float) -> Float { higherIsBetter ? -value : value }

    // MARK: - Codable

    enum CodingKeys: String, CodingKey {
        case count, scores
        case higherIsBetter = "higher_is_better"
    }

    /// Decodes a tail and checks it: a positive count no smaller than the kept scores, at least
    /// one score, all finite and sorted most similar first.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        scores = try container.decode([Float].self, forKey: .scores)
        higherIsBetter = try container.decode(Bool.self, forKey: .higherIsBetter)
        let dissimilarities = scores.map { higherIsBetter ? -$0 : $0 }
        let sorted = zip(dissimilarities, dissimilarities.dropFirst()).allSatisfy { $0 <= $1 }
        guard !scores.isEmpty, count >= scores.count, scores.allSatisfy(\.isFinite), sorted else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "An impostor tail needs 1 to count finite scores sorted most similar first."))
        }
    }
}
