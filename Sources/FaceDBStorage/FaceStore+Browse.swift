import FaceDBCore
import Foundation

extension FaceStore {
    /// Identity ids starting with `prefix`, in id order, at most `limit`. Reads only the keys, so it
    /// is cheap enough to run on every key press (the shell's tab completion).
    package func identityIDs(prefix: String = "", limit: Int = .max) throws -> [String] {
        var ids: [String] = []
        let start = Array(prefix.utf8)
        guard limit > 0 else { return ids }
        try db.scan(.identities, from: start) { key, _ in
            guard key.starts(with: start) else { return false }
            ids.append(String(decoding: key, as: UTF8.self))
            return ids.count < limit
        }
        return ids
    }

    /// Calls `body` with each identity whose id starts with `prefix`, in id order, until it returns
    /// false. Each record is decoded from the scan itself, so stopping early reads no further.
    package func forEachIdentity(prefix: String = "", _ body: (Identity) throws -> Bool) throws {
        let start = Array(prefix.utf8)
        try db.scan(.identities, from: start) { key, value in
            guard key.starts(with: start) else { return false }
            let id = String(decoding: key, as: UTF8.self)
            let record = try Keyspace.decodeJSON(IdentityRecord.self, value, what: "identity '\(id)'")
            return try body(record.identity(id: id, faceCount: try faceIDs(of: id).count))
        }
    }
}
