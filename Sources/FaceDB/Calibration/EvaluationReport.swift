import FaceDBCalibration
import FaceDBCore

/// The result of ``PairEvaluation/evaluate(_:higherIsBetter:threshold:thresholdSource:)``.
public struct EvaluationReport: Codable, Sendable {
    /// Pairs evaluated, and how many were same-person pairs.
    public var pairs: Int
    /// Same-person pairs.
    public var samePairs: Int
    /// Accuracy at ``threshold`` (nil without a threshold).
    public var accuracy: Double?
    /// The threshold the accuracy is measured at.
    public var threshold: Float?
    /// Where that threshold came from.
    public var thresholdSource: ThresholdSource
    /// True-accept rate at false-accept rates 1e-2, 1e-3, 1e-4; nil where the number of different-person
    /// pairs cannot support the rate (fewer than 10/FAR).
    public var tarAtFAR: [String: Double?]
    /// The equal error rate and its threshold.
    public var equalErrorRate: Double
    /// The threshold at the equal error rate.
    public var equalErrorThreshold: Float
    /// Accuracy of each fold with the threshold chosen on the other folds (when the pairs have folds).
    public var foldAccuracies: [Double]?
    /// Their mean.
    public var foldMeanAccuracy: Double?
    /// Their standard deviation.
    public var foldStandardDeviation: Double?
}
