import FaceDBCore

/// Options of ``FaceDatabase/identify(_:options:)-5eq7f``.
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
