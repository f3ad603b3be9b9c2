import Foundation

/// One entry of a database's audit trail: who did what, when, to which ids; never an embedding.
///
/// Entries form a hash chain: ``hash`` is the SHA-256 of the entry's other fields (its canonical
/// JSON, `Schemas/audit-log.md`), which include ``previous``, the hash of the entry before it. An
/// entry altered, removed or inserted anywhere breaks the chain from there on.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// The entry's position in the trail, from 1.
    public var sequence: Int
    /// When the operation finished, in milliseconds since 1970.
    public var timeMs: Int64
    /// Who did it: ``DatabaseOptions/auditActor`` (by default the user and program).
    public var actor: String
    /// What was done: `add_faces`, `remove_identity`, `import`, `erase`, `calibrate`, `export`, ….
    public var operation: String
    /// The identities concerned (at most ``listLimit``; ``counts`` has how many in all).
    public var identities: [String]
    /// The face ids concerned (at most ``listLimit``; ``counts`` has how many in all).
    public var faces: [Int64]
    /// How many of each thing (`faces_added`, `faces_removed`, `rows`, …).
    public var counts: [String: Int]
    /// Other facts as text (a file path, a target rate).
    public var details: [String: String]
    /// The ``hash`` of the entry before (64 zeros for the first).
    public var previous: String
    /// The SHA-256 of this entry without this field, as 64 lowercase hex digits.
    public var hash: String

    /// How many ids an entry lists at most.
    public static let listLimit = 1_000

    enum CodingKeys: String, CodingKey {
        case sequence, actor, operation, identities, faces, counts, details, previous, hash
        case timeMs = "time_ms"
    }
}
