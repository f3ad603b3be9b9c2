import FaceDBCore

/// A summary of a database, as printed by `facedb stats`.
public struct DatabaseStats: Codable, Sendable {
    /// The database directory.
    public var path: String
    /// The store format version.
    public var formatVersion: Int
    /// The embedding space.
    public var space: EmbeddingSpace
    /// The number of identities.
    public var identities: Int
    /// The number of faces.
    public var faces: Int
    /// The index configuration.
    public var index: IndexConfiguration
    /// The index's state, e.g. "ready".
    public var indexState: String
    /// Vectors in the index.
    public var indexedVectors: Int
    /// HNSW deletions not yet compacted away.
    public var indexTombstones: Int
    /// The store's change sequence.
    public var sequence: UInt64
    /// The sequence the last index snapshot reflects (nil: none written yet).
    public var snapshotSequence: UInt64?
    /// Bytes used on disk by the whole directory.
    public var sizeOnDisk: Int
    /// Estimated bytes of memory held by the index (IVF-PQ includes its exact copy of the vectors).
    public var indexMemory: Int
    /// HNSW: the efSearch searches use (tuned or configured); nil for other kinds.
    public var efSearch: Int?
    /// HNSW with automatic efSearch: the last tuning, once it has run.
    public var efSearchTuning: EfSearchTuning?
    /// The durability of writes.
    public var durability: Durability
    /// Whether the database is encrypted at rest (`SECURITY.md`).
    public var encrypted = false
    /// Whether the database keeps an audit trail.
    public var audited = false
}
