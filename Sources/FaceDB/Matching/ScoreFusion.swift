import FaceDBCore

/// How the scores of an identity's faces combine into the identity's score.
public enum ScoreFusion: Sendable, Hashable, Codable {
    /// The best face's score (the default).
    case bestFace
    /// The mean of the best `m` faces' scores (all faces if it has fewer).
    case meanOfBest(Int)

    /// The fused score of an identity's face scores, given best first.
    func fuse(_ bestFirst: [Float]) -> Float {
        guard case .meanOfBest(let m) = self, m > 1 else { return bestFirst[0] }
        let used = bestFirst.prefix(m)
        return used.reduce(0, +) / Float(used.count)
    }
}
