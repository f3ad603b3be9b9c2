import FaceDBCore

/// One row read from an embedding file: who it is, the vector, and what came with it.
public struct ImportRow: Sendable {
    /// The 1-based row number (binary formats) or line number (text formats) in the source file.
    public var row: Int
    /// The identity id the face belongs to.
    public var identity: String
    /// The face id given in the file, if any.
    public var faceID: Int64?
    /// The embedding exactly as read (not normalized).
    public var embedding: [Float]
    /// The face's metadata, if the file gives any.
    public var metadata: JSONValue?
    /// Where the face came from (a dump's faces carry it), if the file gives it.
    public var source: FaceSource?

    /// Makes a row.
    public init(
        row: Int, identity: String, faceID: Int64? = nil, embedding: [Float], metadata: JSONValue? = nil, source: FaceSource? = nil
    ) {
        self.row = row
        self.identity = identity
        self.faceID = faceID
        self.embedding = embedding
        self.metadata = metadata
        self.source = source
    }
}

/// A row that cannot be imported, and why. Written to the rejects file as one JSON line.
public struct RejectedRow: Sendable, Codable, Hashable {
    /// The 1-based row or line number in the source file, as in ``ImportRow/row``.
    public var row: Int
    /// What is wrong with the row, in words a user can act on.
    public var reason: String

    /// Makes a rejected row.
    public init(row: Int, reason: String) {
        self.row = row
        self.reason = reason
    }
}

/// What an ``EmbeddingSource`` yields for each row: the row, or the reason it was rejected.
public enum ImportItem: Sendable {
    /// A row that was read; it still has to pass a ``RowValidator``.
    case row(ImportRow)
    /// A dump's identity line: the identity is created or updated before the faces after it.
    case identity(IdentityRow)
    /// A dump's first line: the database the dump was made from.
    case database(DumpHeader)
    /// A row that could not be read; reading goes on with the next one.
    case rejected(RejectedRow)
}
