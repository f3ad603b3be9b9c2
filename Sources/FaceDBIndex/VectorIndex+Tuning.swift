import FaceDBCore
import Foundation

extension VectorIndex {
    /// How many stored faces serve as queries when efSearch is tuned.
    package static let tuningSampleSize = 256
    /// The seed of the sample of stored faces, so that tuning the same index gives the same answer.
    static let tuningSeed: UInt64 = 0x7E5E_EF5E_A2C4_0001

    /// Measures HNSW's recall@10 on stored faces and adopts the smallest efSearch of
    /// ``IndexConfiguration/efSearchCandidates`` that reaches ``IndexConfiguration/recallTarget``
    /// with 95 % confidence — measured recall minus ``EfSearchTuning/confidenceZ`` standard errors
    /// (``EfSearchTuning/reaches(recall:standardError:target:)``) — or the largest when none does.
    ///
    /// `sampleSize` stored faces, drawn with a fixed seed, are the queries. Each query's exact top 10
    /// comes from a batched brute-force scan of the HNSW index's own flat storage (BLAS); the query's
    /// own face is left out of both that answer and the HNSW answer (leave-one-out). The candidates
    /// are tried from the smallest up, stopping at the first that reaches the target.
    ///
    /// Searches and changes may run meanwhile: the brute-force answer holds the index shared, and each
    /// candidate is measured with the index's own efSearch set to it (FAISS 1.7.3 ignores a larger
    /// per-call value), holding the index exclusively for 32 queries at a time. Never call it from
    /// a user's search path: at 1M faces it takes seconds.
    ///
    /// - Parameter progress: called with (steps done, steps at most): the brute-force answer, then
    ///   each candidate measured (tuning stops at the first that reaches the target).
    /// - Returns: the tuning, or nil when the configuration does not tune efSearch or the index
    ///   holds fewer than two vectors.
    @discardableResult
    package func tuneEfSearch(sampleSize: Int = VectorIndex.tuningSampleSize, progress: ((Int, Int) -> Void)? = nil) throws -> EfSearchTuning? {
        guard configuration.tunesEfSearch, let target = configuration.recallTarget else { return nil }
        let started = DispatchTime.now().uptimeNanoseconds
        let (faces, sample, queries) = try sampleStoredVectors(max(1, sampleSize), seed: Self.tuningSeed)
        guard faces >= 2 else { return nil }
        let k = 10

        func others(_ row: [IndexHit], of own: Int64) -> [Int64] {
            Array(row.lazy.map(\.id).filter { $0 != own }.prefix(k))
        }
        let steps = 1 + IndexConfiguration.efSearchCandidates.count
        let truth = zip(try searchExact(queries, k: k + 1), sample).map { Set(others($0, of: $1)) }
        let total = truth.reduce(0) { $0 + $1.count }
        progress?(1, steps)

        var chosen: (efSearch: Int, recall: Double, standardError: Double)?
        for (step, ef) in IndexConfiguration.efSearchCandidates.enumerated() {
            defer { progress?(2 + step, steps) }
            let rows = try search(queries, k: k + 1, efSearch: ef)
            var found = 0
            var perQuery: [Double] = []  // each sampled face's own recall
            for (q, row) in rows.enumerated() where !truth[q].isEmpty {
                let hits = others(row, of: sample[q]).reduce(0) { $0 + (truth[q].contains($1) ? 1 : 0) }
                found += hits
                perQuery.append(Double(hits) / Double(truth[q].count))
            }
            let recall = total == 0 ? 1 : Double(found) / Double(total)
            chosen = (ef, recall, Self.standardError(perQuery))
            if EfSearchTuning.reaches(recall: recall, standardError: chosen!.standardError, target: target) { break }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let tuning = EfSearchTuning(
            efSearch: chosen!.efSearch, recall: chosen!.recall, standardError: chosen!.standardError, target: target,
            faces: faces, sampleSize: sample.count, seconds: seconds)
        try adopt(tuning)
        return tuning
    }

    /// The standard error of the mean of `values` (sample standard deviation over √n); 0 for
    /// fewer than two values.
    static func standardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (variance / Double(values.count)).squareRoot()
    }
}
