import FaceDBCore

/// How the scores of an identity's faces combine into the identity's score.
public enum ScoreFusion: Sendable, Hashable, Codable {
    /// The best face's score (the default).
    case bestFace
    /// The mean of the best `m` faces' scores (all faces if it has fewer).
    case meanOfBest(Int)
}
