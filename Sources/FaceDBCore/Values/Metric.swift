/// How embeddings are compared.
///
/// A metric also owns what its scores mean, so that every layer compares them the same way:
/// which direction is better (``higherIsBetter``, ``isBetter(_:than:)``, ``best(of:)``), how the
/// vector index's raw value becomes a score (``score(fromIndexDistance:)``) and whether a score
/// passes a threshold (``passes(_:threshold:)``).
public enum Metric: String, Codable, Sendable, CaseIterable {
    /// Euclidean distance; smaller is more similar. Scores are reported as the distance itself
    /// (not squared), the unit of dlib's historical 0.6 tolerance.
    case l2
    /// Cosine similarity; larger is more similar. Vectors are normalized on insert and at query time,
    /// and the index compares them by inner product.
    case cosine
    /// Raw inner product; larger is more similar. Vectors are stored as given unless the space
    /// normalizes them.
    case innerProduct = "ip"

    /// Whether a larger score means more similar.
    public var higherIsBetter: Bool { self != .l2 }

    /// The score, in the metric's natural unit, of a raw value from the vector index (FAISS):
    /// the Euclidean distance for ``l2`` (FAISS gives its square; a tiny negative square from
    /// rounding counts as 0), the inner product itself otherwise.
    public func score(fromIndexDistance raw: Float) -> Float {
        self == .l2 ? max(raw, 0).squareRoot() : raw
    }

    /// Whether score `a` is strictly more similar than score `b`: smaller for ``l2``, larger otherwise.
    public func isBetter(_ a: Float, than b: Float) -> Bool {
        higherIsBetter ? a > b : a < b
    }

    /// The most similar of `scores` (the smallest for ``l2``, the largest otherwise), or nil when
    /// there are none.
    public func best<S: Sequence>(of scores: S) -> Float? where S.Element == Float {
        scores.reduce(nil as Float?) { best, score in best.map { isBetter(score, than: $0) ? score : $0 } ?? score }
    }

    /// Whether `score` is similar enough to match at `threshold`: `score <= threshold` for ``l2``,
    /// `score >= threshold` otherwise (a score equal to the threshold matches).
    public func passes(_ score: Float, threshold: Float) -> Bool {
        higherIsBetter ? score >= threshold : score <= threshold
    }

    /// How much more similar `best` is than `runnerUp` (non-negative when `best` is at least as
    /// good): `runnerUp - best` for ``l2``, `best - runnerUp` otherwise.
    public func margin(of best: Float, over runnerUp: Float) -> Float {
        higherIsBetter ? best - runnerUp : runnerUp - best
    }

    /// Orders two scored items best first, ties broken by `tieBreak` (e.g. the smaller id): for
    /// `sort(by:)`.
    public func ranksBefore(_ a: Float, _ b: Float, tieBreak: @autoclosure () -> Bool) -> Bool {
        a != b ? isBetter(a, than: b) : tieBreak()
    }
}
