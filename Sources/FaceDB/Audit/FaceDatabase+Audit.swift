import FaceDBCore
import FaceDBStorage
import Foundation

/// The audit trail: an opt-in, append-only, hash-chained log of who did what to the database
/// (`audit.log` beside `store/`, `Schemas/audit-log.md`). Once enabled, every write through this
/// library (identities added, updated, removed; faces added, enrolled, removed; imports, erasures,
/// calibrations stored, exports, reindexing) appends an entry naming the actor, the operation, the
/// ids concerned and counts, never an embedding. `verifyAuditTrail(at:)` detects an entry altered,
/// removed or inserted.
extension FaceDatabase {
    /// Starts keeping an audit trail (its first entry records this); a no-op when one is kept.
    /// It cannot be turned off through FaceDB: removing the file is reported by the verification.
    public func enableAuditTrail() throws {
        try checkOpen()
        try checkWritable()
        let started = try writeLock.withLock { _ in
            guard auditTrail.withLock({ $0 == nil }) else { return false }
            let trail = try AuditTrail(directory: path, head: .empty)
            auditTrail.withLock { $0 = trail }
            return true
        }
        if started { try audit("enable_audit") }
    }

    /// Whether the database keeps an audit trail.
    public var keepsAuditTrail: Bool { auditTrail.withLock { $0 != nil } }

    /// Reads and checks the audit trail of the database at `path` (read-only; it may be open
    /// elsewhere): every entry must chain to the one before it and match its hash, and the trail
    /// must reach the head the store recorded.
    /// - Returns: the entries that check, in order, and what was found.
    /// - Throws: `.notADatabase`; `.invalidArgument` when the database keeps no audit trail.
    public static func verifyAuditTrail(at path: String) throws -> (entries: [AuditEntry], verification: AuditVerification) {
        guard FileManager.default.fileExists(atPath: storePath(path) + "/CURRENT") else {
            throw FaceDBError(.notADatabase, "\(path) is not a FaceDB database.", remedy: "Check the path.", path: path)
        }
        // Read-only, without the directory lock: a running writer does not stop an auditor, and no
        // key is needed (the trail and the head are not encrypted: ids and counts only).
        let recorded = try FaceStore.auditHeadDocument(at: storePath(path)).map { try JSONDecoder().decode(AuditTrail.Head.self, from: Data($0)) }
        let file = path + "/" + AuditTrail.fileName
        guard recorded != nil || FileManager.default.fileExists(atPath: file) else {
            throw FaceDBError(
                .invalidArgument, "The database at \(path) keeps no audit trail.",
                remedy: "Start one with `facedb audit \(path) --enable` (or create the database with --audit).", path: path)
        }
        return try AuditTrail.verify(path: file, recorded: recorded)
    }

    /// Opens the trail when the store records one (a writable open).
    func openAuditTrail() throws {
        guard let document = try store.auditHeadDocument() else { return }
        let head = try JSONDecoder().decode(AuditTrail.Head.self, from: Data(document))
        let trail = try AuditTrail(directory: path, head: head)
        auditTrail.withLock { $0 = trail }
    }

    /// Appends an entry when the database keeps a trail, then records the new head in the store.
    /// - Throws: `.io` when the entry cannot be written (the operation itself was done).
    func audit(
        _ operation: String, identities: [String] = [], faces: [Int64] = [], counts: [String: Int] = [:], details: [String: String] = [:]
    ) throws {
        guard let trail = auditTrail.withLock({ $0 }) else { return }
        let actor = options.auditActor ?? Self.defaultActor
        let (_, head) = try trail.append(
            actor: actor, operation: operation, identities: identities, faces: faces,
            counts: counts.merging(["identities": identities.count, "faces": faces.count]) { given, _ in given }, details: details)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try store.setAuditHeadDocument(Array(try encoder.encode(head)))
    }

    /// `user (program)` of this process.
    static let defaultActor: String = {
        let info = ProcessInfo.processInfo
        return "\(info.userName) (\(info.processName))"
    }()
}
