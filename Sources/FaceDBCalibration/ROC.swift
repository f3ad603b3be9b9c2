import FaceDBCore
import Foundation

/// The error rates of a verification (1:1) system, measured from the scores of genuine pairs
/// (two faces of one person) and impostor pairs (faces of two different people).
///
/// Scores are in the metric's natural direction: for L2 (`higherIsBetter == false`) a smaller
/// score means more similar, otherwise a larger one does. A pair *matches* at threshold `t` when
/// `score <= t` (L2) or `score >= t` (cosine, inner product).
///
/// The initializer sorts copies of the scores once; every query afterwards is a binary search.
///
/// ```swift
/// let roc = try ROC(genuine: genuineScores, impostor: impostorScores, higherIsBetter: false)
/// let t = roc.threshold(forFMR: 1e-3)          // the most permissive L2 distance at FMR ≤ 0.1 %
/// let rows = try roc.points()                  // the standard operating points the data supports
/// ```
///
/// Errors: the initializer throws ``FaceDBError/Code/invalidArgument`` for NaN or infinite
/// scores. Either list may be empty; the queries that need a list throw
/// ``FaceDBError/Code/invalidArgument`` when it is empty.
public struct ROC: Sendable {
    /// The false match rates reported by default: 10 %, 1 %, 0.1 %, … 0.0001 %.
    public static let standardFMRs: [Double] = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]

    /// Whether a larger score means more similar (`Metric.higherIsBetter`).
    public let higherIsBetter: Bool
    private let genuine: ScoreList
    private let impostor: ScoreList

    /// The number of genuine (same-person) pairs.
    public var genuineCount: Int { genuine.count }
    /// The number of impostor (different-person) pairs.
    public var impostorCount: Int { impostor.count }

    /// Sorts copies of the scores.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when a score is NaN or infinite.
    public init(genuine: [Float], impostor: [Float], higherIsBetter: Bool) throws {
        self.higherIsBetter = higherIsBetter
        self.genuine = try ScoreList(genuine, higherIsBetter: higherIsBetter, what: "genuine")
        self.impostor = try ScoreList(impostor, higherIsBetter: higherIsBetter, what: "impostor")
    }

    /// ``init(genuine:impostor:higherIsBetter:)`` with the direction of `metric`'s scores
    /// (``Metric/higherIsBetter``); a pair matches a threshold as
    /// ``Metric/passes(_:threshold:)`` says.
    public init(genuine: [Float], impostor: [Float], metric: Metric) throws {
        try self.init(genuine: genuine, impostor: impostor, higherIsBetter: metric.higherIsBetter)
    }

    /// The fraction of impostor pairs that match at `threshold`.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no impostor scores or the threshold is NaN.
    public func fmr(at threshold: Float) throws -> Double {
        try Self.require(impostor, "impostor")
        let d = try dissimilarity(threshold)
        return Double(impostor.countMatching(d)) / Double(impostor.count)
    }

    /// The fraction of genuine pairs that do not match at `threshold`.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no genuine scores or the threshold is NaN.
    public func fnmr(at threshold: Float) throws -> Double {
        try Self.require(genuine, "genuine")
        let d = try dissimilarity(threshold)
        return Double(genuine.count - genuine.countMatching(d)) / Double(genuine.count)
    }

    /// The FMR a pair with this score would have: the fraction of impostors at least as similar.
    /// This is how surprising a match is — 1e-4 means one impostor pair in 10 000 scores this well.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no impostor scores or the score is NaN.
    public func estimatedFMR(of score: Float) throws -> Double {
        try fmr(at: score)
    }

    /// The most permissive threshold whose FMR is at most `target`, or nil without impostor scores.
    ///
    /// Computed by counting: at most `floor(target × impostorCount)` impostors match it, and the
    /// threshold sits just inside the next more-similar impostor score (one float step), so
    /// admitting that score would exceed the target. Tied impostor scores are admitted or rejected
    /// together. `target` is clamped to `0...1`; when every impostor may match, the threshold is
    /// infinite (`+inf` for L2, `-inf` otherwise): everything matches.
    public func threshold(forFMR target: Double) -> Float? {
        guard impostor.count > 0 else { return nil }
        let allowed = ScoreList.allowedCount(rate: target, of: impostor.count)
        return impostor.flip(impostor.mostPermissiveThreshold(admittingAtMost: allowed))
    }

    /// Whether there are enough impostor pairs to measure `fmr`: at least `10 / fmr`, so that the
    /// threshold rests on ten or more impostor scores rather than one lucky one.
    public func isSupported(fmr: Double) -> Bool {
        ScoreList.supports(rate: fmr, count: impostor.count)
    }

    /// The equal error rate: every distinct score is tried as threshold, the one where FMR and FNMR
    /// are closest is kept (the strictest on a tie), and the rate is their mean there.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when either list is empty.
    public var equalErrorRate: EqualErrorRate {
        get throws {
            try Self.require(genuine, "genuine")
            try Self.require(impostor, "impostor")
            var best: (gap: Double, rate: Double, threshold: Float)?
            sweep { d, fmr, fnmr, _ in
                let gap = abs(fmr - fnmr)
                if best == nil || gap < best!.gap {
                    best = (gap, (fmr + fnmr) / 2, d)
                }
            }
            return EqualErrorRate(rate: best!.rate, threshold: impostor.flip(best!.threshold))
        }
    }

    /// The operating points at the given false match rates, keeping only those the number of
    /// impostors supports (see ``isSupported(fmr:)``), in the order given.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no genuine scores.
    public func points(fmrs: [Double] = ROC.standardFMRs) throws -> [ROCPoint] {
        try Self.require(genuine, "genuine")
        return try fmrs.filter(isSupported(fmr:)).compactMap { target in
            guard let t = threshold(forFMR: target) else { return nil }
            return ROCPoint(targetFMR: target, threshold: t, fmr: try fmr(at: t), fnmr: try fnmr(at: t))
        }
    }

    /// The whole curve, downsampled for a table or a plot: thresholds at distinct scores, chosen so
    /// that the points are spread evenly over log(FMR), from the strictest score to the most
    /// permissive one, strictest first. Includes the most permissive point with FMR = 0 when there is one.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when either list is empty or `maxPoints < 4`.
    public func curve(maxPoints: Int = 400) throws -> [ROCPoint] {
        try Self.require(genuine, "genuine")
        try Self.require(impostor, "impostor")
        guard maxPoints >= 4 else {
            throw FaceDBError(
                .invalidArgument, "A curve needs at least 4 points; \(maxPoints) were asked for.",
                remedy: "Ask for 4 points or more (the default is 400).")
        }
        // Impostor counts to stop at: 0, then log-spaced from 1 to all impostors.
        let n = impostor.count
        let steps = maxPoints - 3
        var targets = [0]
        for i in 0..<steps {
            let fraction = steps == 1 ? 1 : Double(i) / Double(steps - 1)
            let k = Int(pow(Double(n), fraction).rounded())
            if k > targets.last! { targets.append(min(k, n)) }
        }

        var result: [ROCPoint] = []
        func emit(_ d: Float, _ fmr: Double, _ fnmr: Double) {
            let t = impostor.flip(d)
            if result.last?.threshold != t { result.append(ROCPoint(threshold: t, fmr: fmr, fnmr: fnmr)) }
        }
        var next = 0
        var previous: (d: Float, fmr: Double, fnmr: Double)?
        sweep { d, fmr, fnmr, admitted in
            // Each target takes the last point that admits no more impostors than it.
            while next < targets.count, admitted > targets[next] {
                if let p = previous { emit(p.d, p.fmr, p.fnmr) }
                next += 1
            }
            if previous == nil { emit(d, fmr, fnmr) }
            previous = (d, fmr, fnmr)
        }
        if let p = previous { emit(p.d, p.fmr, p.fnmr) }
        return result
    }

    /// An ``ImpostorTail`` of the `cap` most similar impostor scores, to store and query later.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no impostor scores or `cap < 1`.
    public func impostorTail(cap: Int = ImpostorTail.defaultCap) throws -> ImpostorTail {
        try ImpostorTail(sorted: impostor, cap: cap)
    }

    // MARK: - Helpers

    /// Calls `body` with every distinct score of both lists as a dissimilarity threshold, ascending,
    /// the FMR and FNMR there, and the number of impostors that match — one merge pass over the two
    /// sorted lists.
    private func sweep(_ body: (_ d: Float, _ fmr: Double, _ fnmr: Double, _ impostorsMatching: Int) -> Void) {
        let g = genuine.values
        let m = impostor.values
        var gi = 0
        var mi = 0
        while gi < g.count || mi < m.count {
            let d = min(gi < g.count ? g[gi] : .infinity, mi < m.count ? m[mi] : .infinity)
            while gi < g.count, g[gi] <= d { gi += 1 }
            while mi < m.count, m[mi] <= d { mi += 1 }
            let fmr = m.isEmpty ? 0 : Double(mi) / Double(m.count)
            let fnmr = g.isEmpty ? 0 : Double(g.count - gi) / Double(g.count)
            body(d, fmr, fnmr, mi)
        }
    }

    private func dissimilarity(_ threshold: Float) throws -> Float {
        guard !threshold.isNaN else {
            throw FaceDBError(.invalidArgument, "The threshold is NaN.", remedy: "Give a number.")
        }
        return impostor.flip(threshold)
    }

    private static func require(_ list: ScoreList, _ what: String) throws {
        guard list.count > 0 else {
            throw FaceDBError(
                .invalidArgument, "There are no \(what) scores to measure from.",
                remedy: "Score at least one \(what == "genuine" ? "same-person" : "different-person") pair.")
        }
    }
}
