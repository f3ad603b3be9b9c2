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

/// Evaluation of labelled pairs: accuracy, TAR at FAR, EER and k-fold accuracy.
public enum PairEvaluation {
    /// The false-accept rates TAR is reported at.
    public static let fars: [Double] = [1e-2, 1e-3, 1e-4]

    /// Evaluates scored pairs.
    /// - Throws: `.insufficientData` without both same and different pairs.
    public static func evaluate(_ pairs: [ScoredPair], higherIsBetter: Bool, threshold: Float?, thresholdSource: ThresholdSource) throws -> EvaluationReport {
        let genuine = pairs.filter(\.same).map(\.score)
        let impostor = pairs.filter { !$0.same }.map(\.score)
        guard !genuine.isEmpty, !impostor.isEmpty else {
            throw FaceDBError(.insufficientData, "Evaluation needs same-person and different-person pairs (\(genuine.count) and \(impostor.count) given).",
                              remedy: "Check the pairs file's labels.")
        }
        let roc = try ROC(genuine: genuine, impostor: impostor, higherIsBetter: higherIsBetter)
        var tar: [String: Double?] = [:]
        for far in fars {
            let key = String(format: "%.0e", far)
            if roc.isSupported(fmr: far), let t = roc.threshold(forFMR: far) { tar[key] = 1 - (try roc.fnmr(at: t)) } else { tar[key] = .some(nil) }
        }
        let accuracy = threshold.map { t in
            Double(pairs.filter { ($0.same) == (higherIsBetter ? $0.score >= t : $0.score <= t) }.count) / Double(pairs.count)
        }
        var folds: [Double]?
        var mean: Double?
        var std: Double?
        if pairs.allSatisfy({ $0.fold != nil }), Set(pairs.compactMap(\.fold)).count >= 2 {
            let result = try FoldedAccuracy(pairs: pairs.map { (score: $0.score, same: $0.same, fold: $0.fold!) }, higherIsBetter: higherIsBetter)
            folds = result.accuracies
            mean = result.mean
            std = result.standardDeviation
        }
        let eer = try roc.equalErrorRate
        return EvaluationReport(pairs: pairs.count, samePairs: genuine.count, accuracy: accuracy, threshold: threshold,
                                thresholdSource: thresholdSource, tarAtFAR: tar, equalErrorRate: eer.rate, equalErrorThreshold: eer.threshold,
                                foldAccuracies: folds, foldMeanAccuracy: mean, foldStandardDeviation: std)
    }
}
