import FaceDBCore

/// The answer to "is this the same person?".
public struct Verification: Codable, Sendable, Hashable {
    /// The score in the metric's natural unit (for an identity: fused over its faces).
    public var score: Float
    /// ``Decision/match``, ``Decision/unknown`` (different people) or ``Decision/noThreshold``.
    public var decision: Decision
    /// The threshold used, if any.
    public var threshold: Float?
    /// Where the threshold came from.
    public var thresholdSource: ThresholdSource
    /// The estimated false-match rate of this score: the fraction of impostor pairs measured by the
    /// last calibration that scored at least as well (nil when the database is not calibrated).
    public var estimatedFMR: Double?
    /// True when ``estimatedFMR`` is only a lower bound (the score lies beyond the stored impostor tail,
    /// where at least that fraction of impostors scored as well).
    public var estimatedFMRIsBound: Bool?
    /// The number of impostor pairs behind ``estimatedFMR`` (an estimate of 0 means "below 1 in this many").
    public var impostorPairs: Int?
    /// The best face, when verifying against an identity.
    public var bestFace: FaceID?
}
