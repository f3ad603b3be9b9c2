/// How embeddings are compared.
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
}
