import FaceDBCore

/// What an erasure (``FaceDatabase/erase(identity:)``, ``FaceDatabase/erase(faces:)``,
/// ``FaceDatabase/purgeRemoved()``) removed and purged.
///
/// When it is returned, no file under the database directory holds the erased faces' embeddings,
/// their metadata and provenance, or the erased identities' records: see `SECURITY.md` for what
/// that covers and what it cannot (backups, exports, the file system's freed blocks).
public struct ErasureReport: Sendable, Equatable {
    /// The identities erased by this call (stored until it removed them).
    public var identities: [String]
    /// The faces erased by this call (stored until it removed them), ascending.
    public var faces: [FaceID]
    /// Ids asked for that were no longer stored (removed before): what their rows left behind was purged too.
    public var alreadyRemoved: [String]
    /// Whether the whole store was rewritten (rows removed earlier, whose face ids are no longer
    /// known, can be anywhere), rather than only the key ranges of the erased rows.
    public var purgedWholeStore: Bool
    /// Seconds taken, removal and purge together.
    public var seconds: Double

    /// A report of these facts (the empty report by default, to add others to).
    public init(identities: [String] = [], faces: [FaceID] = [], alreadyRemoved: [String] = [], purgedWholeStore: Bool = false, seconds: Double = 0) {
        self.identities = identities
        self.faces = faces
        self.alreadyRemoved = alreadyRemoved
        self.purgedWholeStore = purgedWholeStore
        self.seconds = seconds
    }

    /// This report and `other` together (erasing several things in one command).
    public func adding(_ other: ErasureReport) -> ErasureReport {
        ErasureReport(
            identities: identities + other.identities, faces: faces + other.faces, alreadyRemoved: alreadyRemoved + other.alreadyRemoved,
            purgedWholeStore: purgedWholeStore || other.purgedWholeStore, seconds: seconds + other.seconds)
    }
}
