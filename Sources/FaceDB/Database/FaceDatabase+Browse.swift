import FaceDBCore
import FaceDBStorage

extension FaceDatabase {
    /// Identity ids starting with `prefix`, in id order, at most `limit` (reads only the keys; for
    /// completion and quick listings).
    public func identityIDs(prefix: String = "", limit: Int = .max) throws -> [String] {
        try checkOpen()
        return try store.identityIDs(prefix: prefix, limit: limit)
    }

    /// The identities whose id starts with `prefix` and for which `matches` is true, in id order, at
    /// most `limit`. The scan stops as soon as `limit` identities matched, so a search by metadata
    /// reads only as far as it needs.
    ///
    /// ```swift
    /// let blue = try db.identities(limit: 20) { $0.metadata.objectValue?["team"] == .string("blue") }
    /// ```
    public func identities(prefix: String = "", limit: Int = .max, where matches: (Identity) throws -> Bool) throws -> [Identity] {
        try checkOpen()
        var found: [Identity] = []
        guard limit > 0 else { return found }
        try store.forEachIdentity(prefix: prefix) { identity in
            if try matches(identity) { found.append(identity) }
            return found.count < limit
        }
        return found
    }
}
