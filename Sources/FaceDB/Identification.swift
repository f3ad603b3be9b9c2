import FaceDBCore

/// How the scores of an identity's faces combine into the identity's score.
public enum ScoreFusion: Sendable, Hashable, Codable {
    /// The best face's score (the default).
    case bestFace
    /// The mean of the best `m` faces' scores (all faces if it has fewer).
    case meanOfBest(Int)
}

/// Options of ``FaceDatabase/identify(_:options:)``.
public struct IdentificationOptions: Sendable {
    /// How many identities to return.
    public var k: Int
    /// How face scores combine per identity.
    public var fusion: ScoreFusion
    /// The runner-up must be at least this far from the best identity, else the answer is
    /// ``Decision/ambiguous``; nil uses 0.03 (in the metric's natural unit).
    public var margin: Float?
    /// Limits the search to galleries or identities.
    public var filter: SearchFilter
    /// A threshold overriding the database's operating point.
    public var threshold: Float?

    /// Options with the documented defaults: 5 identities, best face, margin 0.03, no filter.
    public init(k: Int = 5, fusion: ScoreFusion = .bestFace, margin: Float? = nil, filter: SearchFilter = .none, threshold: Float? = nil) {
        self.k = k
        self.fusion = fusion
        self.margin = margin
        self.filter = filter
        self.threshold = threshold
    }

    /// The default ambiguity margin.
    public static let defaultMargin: Float = 0.03
}

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
