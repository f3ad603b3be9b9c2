/// Why an index snapshot was not used when a database was opened (the index was then rebuilt from
/// the store, and a writable database wrote a new snapshot).
public struct SnapshotProblem: Sendable, Equatable, CustomStringConvertible {
    /// How serious it is.
    public enum Kind: String, Sendable {
        /// There was no snapshot (a new database, or the file was deleted).
        case missing
        /// The snapshot was of an older state than the change log reaches, or of another index configuration: normal after some operations.
        case outdated
        /// The snapshot was damaged, of another store, or held other vectors than the store: worth reporting.
        case damaged
    }

    /// How serious it is.
    public var kind: Kind
    /// What was found, in words.
    public var reason: String

    /// `reason`.
    public var description: String { reason }
}
