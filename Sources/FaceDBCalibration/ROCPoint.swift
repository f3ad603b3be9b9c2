/// One operating point of a verification (1:1) system: a threshold and the error rates it gives.
public struct ROCPoint: Codable, Sendable, Hashable {
    /// The false match rate that was asked for, for points from ``ROC/points(fmrs:)``;
    /// nil for the points of a full curve.
    public var targetFMR: Double?
    /// The threshold, in the metric's natural direction (a distance for L2, a similarity otherwise).
    public var threshold: Float
    /// The measured false match rate at ``threshold``: the fraction of impostor pairs that match.
    public var fmr: Double
    /// The measured false non-match rate at ``threshold``: the fraction of genuine pairs that do not match.
    public var fnmr: Double
    /// The true accept rate, `1 − fnmr`.
    public var tar: Double { 1 - fnmr }

    /// Makes a point.
    public init(targetFMR: Double? = nil, threshold: Float, fmr: Double, fnmr: Double) {
        self.targetFMR = targetFMR
        self.threshold = threshold
        self.fmr = fmr
        self.fnmr = fnmr
    }
}
