import FaceDBCalibration
import FaceDBCore

/// A scored, labelled pair for evaluation.
public struct ScoredPair: Sendable, Hashable {
    /// The score in the metric's natural unit.
    public var score: Float
    /// Whether the two sides are the same person.
    public var same: Bool
    /// The fold (for k-fold protocols such as LFW's), or nil.
    public var fold: Int?

    /// Makes a scored pair.
    public init(score: Float, same: Bool, fold: Int? = nil) {
        self.score = score
        self.same = same
        self.fold = fold
    }
}
