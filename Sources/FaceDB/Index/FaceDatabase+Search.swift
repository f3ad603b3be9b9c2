import FaceDBCore
import FaceDBIndex
import Foundation

extension FaceDatabase {
    /// The `k` stored faces closest to `embedding`, best first, with exact scores: every index kind
    /// holds exact copies of the stored vectors (IVF-PQ re-scores its compressed candidates against
    /// its copy), so the index's distances are the scores.
    ///
    /// - Throws: `.dimensionMismatch`, `.invalidVector`, `.invalidArgument` for `k < 1`.
    public func search(_ embedding: [Float], k: Int = 10, filter: SearchFilter = .none) throws -> [FaceMatch] {
        try search(batch: [embedding], k: k, filter: filter)[0]
    }

    /// ``search(_:k:filter:)-7d96z`` for many probes in one index call.
    public func search(batch embeddings: [[Float]], k: Int = 10, filter: SearchFilter = .none) throws -> [[FaceMatch]] {
        let started = metrics.searchStarted()
        let matches = try searchIndex(batch: embeddings, k: k, filter: filter)
        metrics.searched(.search, probes: embeddings.count, since: started)
        return matches
    }

    /// The `k` stored faces closest to the stored face `id`, best first, the face itself left out
    /// (Rekognition's SearchFaces): other photos of the same person, or look-alikes.
    /// - Throws: `.unknownFace` when no face has that id; `.invalidArgument` for `k < 1`.
    public func search(face id: FaceID, k: Int = 10, filter: SearchFilter = .none) throws -> [FaceMatch] {
        try checkOpen()
        guard let vector = try store.vectors([id.rawValue])[0] else { throw FaceDBError.unknownFace(id) }
        guard k >= 1 else {
            throw FaceDBError(.invalidArgument, "k must be at least 1, got \(k).", remedy: "Ask for one or more results.")
        }
        let started = metrics.searchStarted()
        // One more than asked for, since the face itself comes back too; never more than every
        // face (a k of Int.max from a flag would overflow).
        let hits = try searchIndex(batch: [vector], k: min(k, max(faceCount, 1)) + 1, filter: filter)[0]
        metrics.searched(.search, probes: 1, since: started)
        return Array(hits.filter { $0.faceID != id }.prefix(k))
    }

    /// ``search(batch:k:filter:)`` without recording metrics (for the calls built on it).
    package func searchIndex(batch embeddings: [[Float]], k: Int, filter: SearchFilter) throws -> [[FaceMatch]] {
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
            try index.search(queries, k: k, allowed: allowed).map { try resolve($0) }
        }
    }

    /// Turns exact index hits (already in the metric's natural unit) into matches with their owning identity.
    /// (Flat, HNSW and IVF-Flat search bit-identical copies of the stored vectors, and IVF-PQ
    /// re-scores against one, so the distances are exact.) Hits whose face the store no longer has
    /// are dropped.
    private func resolve(_ hits: [IndexHit]) throws -> [FaceMatch] {
        let valid = hits.filter { $0.id >= 0 }
        let owners = try ownersOf(valid.map(\.id))
        return zip(valid, owners).compactMap { hit, owner in
            guard let owner else { return nil }
            return FaceMatch(faceID: FaceID(hit.id), identity: owner, score: hit.score)
        }
    }

    /// Scores faces exactly against their stored vectors and keeps the best `k`, best first (an
    /// identity's faces, for verification and identification).
    func rescore(_ candidates: [Int64], query: [Float], k: Int) throws -> [FaceMatch] {
        let ids = candidates.filter { $0 >= 0 }
        let vectors = try store.vectors(ids)
        var scored: [(id: Int64, score: Float)] = []
        scored.reserveCapacity(ids.count)
        for (id, vector) in zip(ids, vectors) {
            guard let vector else { continue }
            scored.append((id, exactScore(query, vector)))
        }
        let metric = space.metric
        scored.sort { a, b in metric.ranksBefore(a.score, b.score, tieBreak: a.id < b.id) }
        let best = Array(scored.prefix(k))
        let owners = try ownersOf(best.map(\.id))
        return zip(best, owners).compactMap { hit, owner in
            owner.map { FaceMatch(faceID: FaceID(hit.id), identity: $0, score: hit.score) }
        }
    }

    /// The identities owning `ids`: from memory, and from the store for faces not known there yet.
    private func ownersOf(_ ids: [Int64]) throws -> [String?] {
        var known = owners.lookup(ids)
        let missing = known.indices.filter { known[$0] == nil }
        if missing.isEmpty { return known }
        // Readers do not fill the map: only writes and the loader do, so it never holds a stale owner
        // for a stored face.
        for (i, owner) in zip(missing, try store.owners(missing.map { ids[$0] })) { known[i] = owner }
        return known
    }

    /// The metric's score between two prepared vectors (see ``EmbeddingSpace/score(_:_:)``).
    func exactScore(_ a: [Float], _ b: [Float]) -> Float { space.score(a, b) }

    /// The face ids a filter admits, or nil for no restriction.
    /// - Throws: `.invalidArgument` naming a gallery no identity is in (a misspelt name would
    ///   otherwise answer "unknown" for everyone); `.unknownIdentity` for an identity not stored.
    func allowedFaces(_ filter: SearchFilter) throws -> [Int64]? {
        guard filter.isRestricting else { return nil }
        var identities: Set<String>?
        if let galleries = filter.galleries {
            var members = Set<String>()
            for gallery in galleries {
                let inGallery = try store.members(ofGalleries: [gallery])
                guard !inGallery.isEmpty else {
                    throw FaceDBError(
                        .invalidArgument, "No identity is in the gallery '\(gallery)'.",
                        remedy: "Check the name (a gallery exists while an identity is in it); the galleries of an identity are shown with it.")
                }
                members.formUnion(inGallery)
            }
            identities = members
        }
        if let listed = filter.identities {
            for id in listed where try store.identity(id) == nil { throw FaceDBError.unknownIdentity(id) }
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
        let started = metrics.searchStarted()
        let query = try space.prepare(embedding, what: "query embedding")
        guard try store.identity(identity) != nil else { throw FaceDBError.unknownIdentity(identity) }
        let closest = try rescore(try store.faceIDs(of: identity).map(\.rawValue), query: query, k: 1).first
        metrics.searched(.closestFace, probes: 1, since: started)
        return closest
    }
}
