import FaceDBCore

/// K-fold verification accuracy, the way LFW-style benchmarks report it.
///
/// Each pair has a score, whether it shows the same person, and the fold it belongs to. For every
/// fold, the threshold that maximizes accuracy on the *other* folds is applied to the held-out
/// fold; the result is each fold's accuracy, their mean and standard deviation, and the thresholds.
///
/// Scores are in the metric's natural direction: a pair is predicted "same" when `score <= t`
/// (L2, `higherIsBetter == false`) or `score >= t` (otherwise). Candidate thresholds are the
/// midpoints between consecutive distinct scores plus one below and one above all scores; when
/// several reach the best accuracy the strictest wins.
///
/// ```swift
/// let result = try FoldedAccuracy(pairs: scored, higherIsBetter: false)
/// print(result.mean, result.standardDeviation)   // e.g. 0.9938 ± 0.0027
/// ```
public struct FoldedAccuracy: Sendable {
    /// One scored pair: its score, whether both faces show the same person, and its fold.
    public typealias Pair = (score: Float, same: Bool, fold: Int)

    /// The outcome for one held-out fold.
    public struct Fold: Sendable, Hashable {
        /// The fold's number, as given in the pairs.
        public var fold: Int
        /// The threshold chosen on the other folds.
        public var threshold: Float
        /// The accuracy of that threshold on this fold.
        public var accuracy: Double
        /// The number of pairs in this fold.
        public var pairCount: Int
    }

    /// The folds, by ascending fold number.
    public let folds: [Fold]
    /// The mean of the per-fold accuracies.
    public let mean: Double
    /// The standard deviation of the per-fold accuracies (population form, dividing by the number of folds).
    public let standardDeviation: Double

    /// The per-fold accuracies, by ascending fold number.
    public var accuracies: [Double] { folds.map(\.accuracy) }
    /// The per-fold thresholds, by ascending fold number.
    public var thresholds: [Float] { folds.map(\.threshold) }

    /// Runs the k-fold protocol.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no pairs, a score is NaN or
    ///   infinite, or the pairs span fewer than two folds.
    public init(pairs: [Pair], higherIsBetter: Bool) throws {
        try Self.validate(pairs)
        let foldNumbers = Set(pairs.map(\.fold)).sorted()
        guard foldNumbers.count >= 2 else {
            throw FaceDBError(
                .invalidArgument, "All pairs are in fold \(foldNumbers[0]); k-fold accuracy needs two folds or more.",
                remedy: "Assign the pairs to folds (LFW uses 10), or use the best accuracy over all pairs instead.")
        }
        var folds: [Fold] = []
        for number in foldNumbers {
            let training = pairs.filter { $0.fold != number }
            let heldOut = pairs.filter { $0.fold == number }
            let threshold = Self.bestThreshold(training, higherIsBetter: higherIsBetter).threshold
            let accuracy = Self.correctCount(heldOut, at: threshold, higherIsBetter: higherIsBetter)
            folds.append(
                Fold(
                    fold: number, threshold: threshold,
                    accuracy: Double(accuracy) / Double(heldOut.count), pairCount: heldOut.count))
        }
        let mean = folds.reduce(0) { $0 + $1.accuracy } / Double(folds.count)
        let variance = folds.reduce(0) { $0 + ($1.accuracy - mean) * ($1.accuracy - mean) } / Double(folds.count)
        self.folds = folds
        self.mean = mean
        self.standardDeviation = variance.squareRoot()
    }

    /// The threshold that maximizes accuracy on all `pairs` (folds ignored), and that accuracy.
    /// An optimistic figure: the threshold is chosen on the data it is measured on.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no pairs or a score is NaN or infinite.
    package static func bestAccuracy(_ pairs: [Pair], higherIsBetter: Bool) throws -> (accuracy: Double, threshold: Float) {
        try validate(pairs)
        let best = bestThreshold(pairs, higherIsBetter: higherIsBetter)
        return (Double(best.correct) / Double(pairs.count), best.threshold)
    }

    /// The fraction of `pairs` classified correctly at `threshold` (folds ignored).
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no pairs, a score is NaN or
    ///   infinite, or the threshold is NaN.
    public static func accuracy(_ pairs: [Pair], at threshold: Float, higherIsBetter: Bool) throws -> Double {
        try validate(pairs)
        guard !threshold.isNaN else {
            throw FaceDBError(.invalidArgument, "The threshold is NaN.", remedy: "Give a number.")
        }
        return Double(correctCount(pairs, at: threshold, higherIsBetter: higherIsBetter)) / Double(pairs.count)
    }

    // MARK: - Helpers

    private static func validate(_ pairs: [Pair]) throws {
        guard !pairs.isEmpty else {
            throw FaceDBError(
                .invalidArgument, "There are no pairs to measure accuracy on.",
                remedy: "Give scored same-person and different-person pairs.")
        }
        if let bad = pairs.firstIndex(where: { !$0.score.isFinite }) {
            throw FaceDBError(
                .invalidArgument, "Pair \(bad) has the score \(pairs[bad].score).",
                remedy: "Every score must be a finite number; drop the pairs whose score could not be computed.")
        }
    }

    private static func correctCount(_ pairs: [Pair], at threshold: Float, higherIsBetter: Bool) -> Int {
        pairs.reduce(0) { count, pair in
            let predictedSame = higherIsBetter ? pair.score >= threshold : pair.score <= threshold
            return count + (predictedSame == pair.same ? 1 : 0)
        }
    }

    /// The strictest threshold with the most correct predictions on `pairs` (not empty).
    private static func bestThreshold(_ pairs: [Pair], higherIsBetter: Bool) -> (threshold: Float, correct: Int) {
        // Work with dissimilarities (smaller is more similar) and "predict same when d <= t".
        let sorted = pairs.map { (d: higherIsBetter ? -$0.score : $0.score, same: $0.same) }
            .sorted { $0.d < $1.d }
        let sameTotal = sorted.reduce(0) { $0 + ($1.same ? 1 : 0) }
        let differentTotal = sorted.count - sameTotal

        // Threshold below every score: everything is predicted "different".
        var best = (d: sorted[0].d.nextDown, correct: differentTotal)
        var sameAccepted = 0
        var differentAccepted = 0
        var i = 0
        while i < sorted.count {
            let value = sorted[i].d
            while i < sorted.count, sorted[i].d == value {
                if sorted[i].same { sameAccepted += 1 } else { differentAccepted += 1 }
                i += 1
            }
            let correct = sameAccepted + (differentTotal - differentAccepted)
            if correct > best.correct {
                // Midpoint to the next distinct score, or just above the last one.
                let t = i < sorted.count ? midpoint(value, sorted[i].d) : value.nextUp
                best = (t, correct)
            }
        }
        return (higherIsBetter ? -best.d : best.d, best.correct)
    }

    /// A float between `a` and `b` (`a < b`) that keeps `a` on the accepted side and `b` not.
    private static func midpoint(_ a: Float, _ b: Float) -> Float {
        let m = Float((Double(a) + Double(b)) / 2)
        return m < b ? m : a
    }
}
