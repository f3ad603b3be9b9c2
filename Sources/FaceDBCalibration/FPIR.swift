import FaceDBCore

/// The false positive identification rate of an open-set 1:N search: how often a person who is
/// *not* enrolled is nevertheless matched to someone in the gallery.
///
/// It is measured from impostor probes: people searched with their own identity left out of the
/// gallery. For each probe the input is the best score found in the gallery (the most similar
/// face, in the metric's natural direction). A probe is a false positive at threshold `t` when
/// that best score matches (`score <= t` for L2, `score >= t` otherwise).
///
/// FPIR grows with the gallery, so the number of gallery identities is recorded with it: a
/// threshold calibrated on 1 000 identities is too permissive for 100 000.
///
/// Errors: the initializer throws ``FaceDBError/Code/invalidArgument`` for NaN or infinite scores
/// or a gallery without identities; ``fpir(at:)`` throws it when there are no probes.
public struct FPIRCalibration: Sendable {
    /// Whether a larger score means more similar.
    public let higherIsBetter: Bool
    /// The number of identities in the gallery that was searched.
    public let galleryIdentities: Int
    private let best: ScoreList

    /// The number of impostor probes.
    public var probeCount: Int { best.count }

    /// Sorts a copy of the best gallery score of every impostor probe.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when a score is NaN or infinite, or
    ///   `galleryIdentities < 1`.
    public init(bestImpostorScores: [Float], galleryIdentities: Int, higherIsBetter: Bool) throws {
        guard galleryIdentities >= 1 else {
            throw FaceDBError(
                .invalidArgument, "The gallery must hold at least one identity; \(galleryIdentities) was given.",
                remedy: "Give the number of identities that were searched.")
        }
        self.higherIsBetter = higherIsBetter
        self.galleryIdentities = galleryIdentities
        self.best = try ScoreList(bestImpostorScores, higherIsBetter: higherIsBetter, what: "best impostor")
    }

    /// ``init(bestImpostorScores:galleryIdentities:higherIsBetter:)`` with the direction of
    /// `metric`'s scores (``Metric/higherIsBetter``).
    public init(bestImpostorScores: [Float], galleryIdentities: Int, metric: Metric) throws {
        try self.init(bestImpostorScores: bestImpostorScores, galleryIdentities: galleryIdentities, higherIsBetter: metric.higherIsBetter)
    }

    /// The fraction of impostor probes whose best gallery score matches at `threshold`.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when there are no probes or the threshold is NaN.
    public func fpir(at threshold: Float) throws -> Double {
        guard best.count > 0 else {
            throw FaceDBError(
                .invalidArgument, "There are no impostor probes to measure from.",
                remedy: "Search at least one person whose identity is left out of the gallery.")
        }
        guard !threshold.isNaN else {
            throw FaceDBError(.invalidArgument, "The threshold is NaN.", remedy: "Give a number.")
        }
        return Double(best.countMatching(best.flip(threshold))) / Double(best.count)
    }

    /// The most permissive threshold whose FPIR is at most `target`, or nil without probes.
    ///
    /// Counted like ``ROC/threshold(forFMR:)``: at most `floor(target × probeCount)` probes match,
    /// ties are admitted or rejected together, and the threshold is infinite when every probe may match.
    public func threshold(forFPIR target: Double) -> Float? {
        guard best.count > 0 else { return nil }
        let allowed = ScoreList.allowedCount(rate: target, of: best.count)
        return best.flip(best.mostPermissiveThreshold(admittingAtMost: allowed))
    }

    /// Whether there are enough probes to measure `fpir`: at least `10 / fpir`.
    public func isSupported(fpir: Double) -> Bool {
        ScoreList.supports(rate: fpir, count: best.count)
    }
}
