/// What ``FaceDatabase/verifyAuditTrail(at:)`` found.
public struct AuditVerification: Sendable, Equatable {
    /// The entries that read and chain correctly, from the first.
    public var validEntries: Int
    /// The hash of the last valid entry (the chain's head), 64 hex digits.
    public var head: String
    /// What is wrong, from the first problem on (empty when the trail is intact).
    public var problems: [String]
    /// Entries after the head the store recorded: appended by an operation whose process stopped
    /// before it recorded the new head (a crash). Not a problem: the chain still holds them.
    public var unrecordedEntries: Int

    /// Whether no entry was altered, removed or inserted.
    public var isIntact: Bool { problems.isEmpty }
}
