import FaceDBCore

/// The result of ``FaceDatabase/checkIndex(full:sampleSize:seed:)-8pkh0``.
public struct IndexCheck: Sendable, Equatable {
    /// Faces in the store (its rows).
    public var storedFaces: Int
    /// The number of faces the store's counters record; differs from ``storedFaces`` only when the
    /// store is damaged (rows lost under its counters).
    public var countedFaces: Int?
    /// Vectors in the index.
    public var indexedVectors: Int
    /// Stored faces the index lacks.
    public var missingFromIndex: [FaceID]
    /// Index entries with no stored face.
    public var extraInIndex: [FaceID]
    /// How many stored vectors were compared, bit for bit, with the index's copy (a sample, or all).
    public var comparedVectors: Int = 0
    /// Compared faces whose vector in the index differs from the stored one.
    public var differingVectors: [FaceID] = []
    /// Whether the digest of the index's vectors equals the digest the store keeps of its own.
    public var digestsMatch = true
    /// With a full check: whether the store's recorded vector digest equals one worked out from its
    /// rows (nil when not checked).
    public var storeDigestMatches: Bool?
    /// Why the index snapshot was not used at open, if it was not (the index was then rebuilt).
    public var snapshotProblem: SnapshotProblem?

    /// Makes a result.
    public init(storedFaces: Int, indexedVectors: Int, missingFromIndex: [FaceID], extraInIndex: [FaceID]) {
        self.storedFaces = storedFaces
        self.indexedVectors = indexedVectors
        self.missingFromIndex = missingFromIndex
        self.extraInIndex = extraInIndex
    }

    /// Whether index and store agree exactly: the same ids, the compared vectors equal, the digests equal.
    public var isConsistent: Bool {
        missingFromIndex.isEmpty && extraInIndex.isEmpty && storedFaces == indexedVectors && differingVectors.isEmpty
            && (countedFaces ?? storedFaces) == storedFaces
            && digestsMatch && storeDigestMatches != false
    }
}
