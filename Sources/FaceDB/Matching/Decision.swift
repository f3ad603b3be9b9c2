/// What a score means at the database's operating point.
public enum Decision: String, Codable, Sendable {
    /// The score passes the threshold: the same person.
    case match
    /// The best identity passes, but the runner-up is within the margin of it: too close to call.
    case ambiguous
    /// Below the threshold: nobody we know (1:N), or a different person (1:1).
    case unknown
    /// No threshold is known for this model and the database is not calibrated: run `calibrate`.
    case noThreshold = "no-threshold"
}
