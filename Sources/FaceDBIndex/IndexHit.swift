import FaceDBCore

/// One candidate from the vector index.
///
/// `score` is in the metric's natural unit (``FaceDBCore/Metric/score(fromIndexDistance:)``): the
/// Euclidean distance for ``FaceDBCore/Metric/l2`` (smaller is nearer; FAISS's squared distance
/// is converted), the inner product for ``FaceDBCore/Metric/cosine`` and
/// ``FaceDBCore/Metric/innerProduct`` (larger is nearer). It is exact for every kind (IVF-PQ
/// re-scores its candidates against its exact copy of the vectors), except in
/// `VectorIndex.searchWithoutRefinement`, which returns the codes' approximations.
package struct IndexHit: Sendable, Hashable {
    /// The face id.
    package var id: Int64
    /// The score in the metric's natural unit (see the type's description).
    package var score: Float

    /// Makes a hit.
    package init(id: Int64, score: Float) {
        self.id = id
        self.score = score
    }
}
