import FaceDBCore

/// The oracle every index is tested against: exact top-k by scanning all vectors.
public enum BruteForce {
    /// The exact top-`k` rows of `vectors` (row-major, `dimension` wide) nearest to `query`,
    /// as (row id, score) best first. L2 scores are Euclidean distances; the others inner products.
    /// Ties are broken by the smaller id.
    public static func search(
        _ query: [Float], in vectors: [Float], ids: [Int64], dimension: Int, metric: Metric, k: Int
    ) -> [(id: Int64, score: Float)] {
        var scored = [(id: Int64, score: Float)]()
        scored.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() {
            let base = row * dimension
            var acc: Float = 0
            if metric == .l2 {
                for j in 0..<dimension {
                    let d = vectors[base + j] - query[j]
                    acc += d * d
                }
                acc = acc.squareRoot()
            } else {
                for j in 0..<dimension { acc += vectors[base + j] * query[j] }
            }
            scored.append((id, acc))
        }
        scored.sort { a, b in
            if a.score != b.score { return metric.higherIsBetter ? a.score > b.score : a.score < b.score }
            return a.id < b.id
        }
        return Array(scored.prefix(k))
    }
}
