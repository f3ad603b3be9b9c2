/// The equal error rate of a ROC: where the false match and false non-match rates meet.
public struct EqualErrorRate: Sendable, Equatable {
    /// The mean of FMR and FNMR at ``threshold``.
    public var rate: Double
    /// The score at which FMR and FNMR are closest, in the metric's natural unit.
    public var threshold: Float

    /// An equal error rate at a threshold.
    public init(rate: Double, threshold: Float) {
        self.rate = rate
        self.threshold = threshold
    }
}
