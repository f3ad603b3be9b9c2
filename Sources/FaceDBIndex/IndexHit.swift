/// One candidate from the vector index.
///
/// `distance` is FAISS's raw value: the SQUARED Euclidean distance for ``FaceDBCore/Metric/l2``
/// (smaller is nearer), the inner product for ``FaceDBCore/Metric/cosine`` and
/// ``FaceDBCore/Metric/innerProduct`` (larger is nearer). It is exact for every kind (IVF-PQ
/// re-scores its candidates against its exact copy of the vectors), except in
/// `VectorIndex.searchWithoutRefinement`, which returns the codes' approximations.
public struct IndexHit: Sendable, Hashable {
    /// The face id.
    public var id: Int64
    /// The raw distance or inner product.
    public var distance: Float

    /// Makes a hit.
    public init(id: Int64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}
