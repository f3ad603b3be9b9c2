import FaceDBCore

/// One identity in an identification answer.
public struct IdentityMatch: Codable, Sendable, Hashable {
    /// The identity's id.
    public var identity: String
    /// The fused score in the metric's natural unit.
    public var score: Float
    /// The identity's best-scoring face.
    public var bestFace: FaceID
    /// This identity's decision: ``Decision/match`` if it passes the threshold, else ``Decision/unknown``
    /// (the first one may be ``Decision/ambiguous``).
    public var decision: Decision
}
