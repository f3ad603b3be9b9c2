import FaceDBCore

/// The answer to "who is this?".
public struct Identification: Codable, Sendable, Hashable {
    /// The top identities, best first.
    public var matches: [IdentityMatch]
    /// The overall decision: the first match's decision, or ``Decision/unknown`` when nothing was found.
    public var decision: Decision
    /// The threshold used, if any.
    public var threshold: Float?
    /// Where the threshold came from.
    public var thresholdSource: ThresholdSource

    /// The identity the probe was identified as, when the decision is ``Decision/match``.
    public var identity: String? { decision == .match ? matches.first?.identity : nil }
}
