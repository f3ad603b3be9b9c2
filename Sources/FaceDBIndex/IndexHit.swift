/// One candidate from the vector index.
///
/// `distance` is FAISS's raw value: the SQUARED Euclidean distance for ``FaceDBCore/Metric/l2``
/// (smaller is nearer), the inner product for ``FaceDBCore/Metric/cosine`` and
/// ``FaceDBCore/Metric/innerProduct`` (larger is nearer). For IVF-PQ it is an approximation;
/// the database re-scores candidates exactly.
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
