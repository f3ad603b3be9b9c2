/// What an import did, row by row. `rowsRead == resumed + stored + skipped + rejected`.
public struct ImportSummary: Sendable, Codable, Equatable {
    /// Rows read from the file.
    public var rowsRead = 0
    /// Rows passed over because an earlier import of the same file (``ImportOptions/resumeKey``) did them.
    public var resumed = 0
    /// Rows stored as new faces or replacing stored ones.
    public var stored = 0
    /// Of ``stored``, rows that replaced a stored face with the same id (`--upsert`).
    public var replaced = 0
    /// Rows left out because a face with their id was already stored.
    public var skipped = 0
    /// Rows rejected (see the rejects file).
    public var rejected = 0
    /// Identities created because a row named an identity that was not stored yet.
    public var identitiesCreated = 0
    /// Atomic writes made.
    public var batches = 0
    /// Wall time of the import in seconds.
    public var seconds = 0.0

    /// Rows read per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsRead) / seconds : 0 }

    /// A summary of nothing.
    public init() {}
}
