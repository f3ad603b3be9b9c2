/// The threshold 1:1 decisions use and where it comes from.
public struct VerificationThreshold: Sendable, Equatable {
    /// The threshold in the metric's natural unit, or nil when there is none (an uncalibrated
    /// database of a model without a published default).
    public var threshold: Float?
    /// Where ``threshold`` comes from.
    public var source: ThresholdSource

    /// A threshold and its source.
    public init(threshold: Float?, source: ThresholdSource) {
        self.threshold = threshold
        self.source = source
    }
}
