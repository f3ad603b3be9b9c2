import FaceDBCore
import FaceDBIndex
import Foundation

extension FaceDatabase {
    /// The `k` stored faces closest to `embedding`, best first, scored exactly against their stored
    /// vectors (the index only proposes candidates).
    ///
    /// - Throws: `.dimensionMismatch`, `.invalidVector`, `.invalidArgument` for `k < 1`.
    public func search(_ embedding: [Float], k: Int = 10, filter: SearchFilter = .none) throws -> [FaceMatch] {
        try search(batch: [embedding], k: k, filter: filter)[0]
    }

    /// ``search(_:k:filter:)`` for many probes in one index call.
    public func search(batch embeddings: [[Float]], k: Int = 10, filter: SearchFilter = .none) throws -> [[FaceMatch]] {
        try checkOpen()
        guard k >= 1 else {
            throw FaceDBError(.invalidArgument, "k must be at least 1, got \(k).", remedy: "Ask for one or more results.")
        }
        if embeddings.isEmpty { return [] }
        var queries = [Float]()
        queries.reserveCapacity(embeddings.count * space.dimension)
        for e in embeddings { queries.append(contentsOf: try space.prepare(e, what: "query embedding")) }
        let allowed = try allowedFaces(filter)
        if let allowed, allowed.isEmpty { return embeddings.map { _ in [] } }
        return try indexLock.withReadLock {
            let candidateCount = index.configuration.candidateCount(for: k)
            let hits = try index.search(queries, k: candidateCount, allowed: allowed)
            return try hits.enumerated().map { q, row in
                let query = queries[(q * space.dimension)..<((q + 1) * space.dimension)]
                return try rescore(row.map(\.id), query: Array(query), k: k)
            }
        }
    }

    /// Scores candidates exactly against their stored vectors and keeps the best `k`.
    private func rescore(_ candidates: [Int64], query: [Float], k: Int) throws -> [FaceMatch] {
        let ids = candidates.filter { $0 >= 0 }
        let rows = try store.vectorsAndOwners(ids)
        var matches: [FaceMatch] = []
        matches.reserveCapacity(ids.count)
        for (id, row) in zip(ids, rows) {
            guard let row else { continue }
            matches.append(FaceMatch(faceID: FaceID(id), identity: row.identity, score: exactScore(query, row.vector)))
        }
        let higher = space.metric.higherIsBetter
        matches.sort { a, b in
            if a.score != b.score { return higher ? a.score > b.score : a.score < b.score }
            return a.faceID < b.faceID
        }
        return Array(matches.prefix(k))
    }

    /// The metric's score between two prepared vectors: Euclidean distance for L2, dot product otherwise.
    func exactScore(_ a: [Float], _ b: [Float]) -> Float {
        var acc: Float = 0
        if space.metric == .l2 {
            for i in a.indices {
                let d = a[i] - b[i]
                acc += d * d
            }
            return acc.squareRoot()
        }
        for i in a.indices { acc += a[i] * b[i] }
        return acc
    }

    /// The face ids a filter admits, or nil for no restriction.
    func allowedFaces(_ filter: SearchFilter) throws -> [Int64]? {
        guard filter.isRestricting else { return nil }
        var identities: Set<String>?
        if let galleries = filter.galleries { identities = try store.members(ofGalleries: galleries) }
        if let listed = filter.identities {
            identities = identities.map { $0.intersection(listed) } ?? Set(listed)
        }
        var ids: [Int64] = []
        for identity in identities ?? [] {
            ids.append(contentsOf: try store.faceIDs(of: identity).map(\.rawValue))
        }
        return ids
    }

    /// The face of `identity` closest to `embedding`, scored exactly (the basis of 1:1 verification).
    /// - Throws: `.unknownIdentity`; returns nil when the identity has no faces.
    public func closestFace(to embedding: [Float], in identity: String) throws -> FaceMatch? {
        try checkOpen()
        let query = try space.prepare(embedding, what: "query embedding")
        guard try store.identity(identity) != nil else { throw FaceDBError.unknownIdentity(identity) }
        let ids = try store.faceIDs(of: identity).map(\.rawValue)
        return try rescore(ids, query: query, k: 1).first
    }
}
