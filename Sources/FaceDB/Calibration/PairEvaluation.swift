import FaceDBCalibration
import FaceDBCore

/// Evaluation of labelled pairs: accuracy, TAR at FAR, EER and k-fold accuracy.
public enum PairEvaluation {
    /// The false-accept rates TAR is reported at.
    public static let fars: [Double] = [1e-2, 1e-3, 1e-4]

    /// Evaluates scored pairs.
    /// - Throws: `.insufficientData` without both same and different pairs.
    public static func evaluate(_ pairs: [ScoredPair], higherIsBetter: Bool, threshold: Float?, thresholdSource: ThresholdSource) throws
        -> EvaluationReport
    {
        let genuine = pairs.filter(\.same).map(\.score)
        let impostor = pairs.filter { !$0.same }.map(\.score)
        guard !genuine.isEmpty, !impostor.isEmpty else {
            throw FaceDBError(
                .insufficientData, "Evaluation needs same-person and different-person pairs (\(genuine.count) and \(impostor.count) given).",
                remedy: "Check the pairs file's labels.")
        }
        let roc = try ROC(genuine: genuine, impostor: impostor, higherIsBetter: higherIsBetter)
        var tar: [String: Double?] = [:]
        for far in fars {
            let key = String(format: "%.0e", far)
            if roc.isSupported(fmr: far), let t = roc.threshold(forFMR: far) { tar[key] = 1 - (try roc.fnmr(at: t)) } else { tar[key] = .some(nil) }
        }
        let labelled = pairs.map { (score: $0.score, same: $0.same, fold: $0.fold ?? 0) }
        let accuracy = try threshold.map { try FoldedAccuracy.accuracy(labelled, at: $0, higherIsBetter: higherIsBetter) }
        var folds: [Double]?
        var mean: Double?
        var std: Double?
        if pairs.allSatisfy({ $0.fold != nil }), Set(pairs.compactMap(\.fold)).count >= 2 {
            let result = try FoldedAccuracy(pairs: labelled, higherIsBetter: higherIsBetter)
            folds = result.accuracies
            mean = result.mean
            std = result.standardDeviation
        }
        let eer = try roc.equalErrorRate
        return EvaluationReport(
            pairs: pairs.count, samePairs: genuine.count, accuracy: accuracy, threshold: threshold,
            thresholdSource: thresholdSource, tarAtFAR: tar, equalErrorRate: eer.rate, equalErrorThreshold: eer.threshold,
            foldAccuracies: folds, foldMeanAccuracy: mean, foldStandardDeviation: std)
    }
}
