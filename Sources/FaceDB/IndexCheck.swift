import FaceDBCore

/// The result of ``FaceDatabase/checkIndex()``.
public struct IndexCheck: Sendable, Equatable {
    /// Faces in the store.
    public var storedFaces: Int
    /// Vectors in the index.
    public var indexedVectors: Int
    /// Stored faces the index lacks.
    public var missingFromIndex: [FaceID]
    /// Index entries with no stored face.
    public var extraInIndex: [FaceID]
    /// Whether index and store agree exactly.
    public var isConsistent: Bool { missingFromIndex.isEmpty && extraInIndex.isEmpty && storedFaces == indexedVectors }
}
