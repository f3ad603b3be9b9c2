import FaceDBCore

/// Scores turned into one orientation — "dissimilarity", where smaller means more similar — and
/// sorted ascending, so that counting the pairs that match a threshold is a binary search.
///
/// For L2 the dissimilarity is the score itself; for cosine and inner product it is the negated
/// score. Negation is exact for floats, so nothing is lost by the mapping.
struct ScoreList: Sendable, Hashable {
    /// Whether a larger natural score means more similar.
    let higherIsBetter: Bool
    /// The dissimilarities, ascending (most similar first).
    let values: [Float]

    /// Checks that every score is finite and sorts a copy. `what` names the list in errors.
    init(_ scores: [Float], higherIsBetter: Bool, what: String) throws {
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw FaceDBError(
                .invalidArgument, "The \(what) scores hold \(scores[bad]) at position \(bad).",
                remedy: "Every score must be a finite number; drop the pairs whose score could not be computed.")
        }
        self.higherIsBetter = higherIsBetter
        self.values = (higherIsBetter ? scores.map { -$0 } : scores).sorted()
    }

    /// Wraps dissimilarities that are already sorted ascending.
    init(sortedDissimilarities: [Float], higherIsBetter: Bool) {
        self.higherIsBetter = higherIsBetter
        self.values = sortedDissimilarities
    }

    /// The number of scores.
    var count: Int { values.count }

    /// Maps a natural score to a dissimilarity (and back: the mapping is its own inverse).
    func flip(_ value: Float) -> Float { higherIsBetter ? -value : value }

    /// How many scores match the dissimilarity threshold `d`, i.e. are `<= d`.
    func countMatching(_ d: Float) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= d { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The most permissive dissimilarity threshold that lets at most `allowed` scores match:
    /// just below the `allowed + 1`-th most similar score, or +infinity when every score may match.
    ///
    /// Ties are safe: a threshold below a value rejects every copy of it.
    func mostPermissiveThreshold(admittingAtMost allowed: Int) -> Float {
        allowed < values.count ? values[max(allowed, 0)].nextDown : .infinity
    }

    /// The largest count `k` with `k / n <= rate`, i.e. `floor(rate × n)`, clamped to `0...n`.
    ///
    /// A product within rounding error of an integer counts as that integer, so that
    /// `0.29 × 100` allows 29 and not 28.
    static func allowedCount(rate: Double, of n: Int) -> Int {
        guard rate.isFinite, rate > 0, n > 0 else { return rate >= 1 ? n : 0 }
        let product = rate * Double(n)
        let nearest = product.rounded()
        let allowed = abs(product - nearest) <= 1e-9 * max(1, product) ? nearest : product.rounded(.down)
        return Int(min(allowed, Double(n)))
    }

    /// Whether `count` trials are enough to measure `rate`: at least `10 / rate` of them.
    static func supports(rate: Double, count: Int) -> Bool {
        guard rate.isFinite, rate > 0 else { return false }
        return Double(count) * rate >= 10 * (1 - 1e-9)
    }
}
