import Crypto
import FaceDBCore
import Foundation
import Synchronization
import SystemPackage

/// A database's audit trail (`audit.log`, `Schemas/audit-log.md`): an append-only file of JSON
/// lines, each an ``AuditEntry`` chained to the one before by its SHA-256. The single owner of the
/// file's descriptor. The store records the chain's head (entry count and last hash) after every
/// append, so that entries removed from the end are detected too.
final class AuditTrail: @unchecked Sendable {
    /// The file.
    let path: String
    /// Guarded by the mutex: appends are serialized, each one whole.
    private let state: Mutex<Head>
    private let file: FileDescriptor

    /// The chain's last entry: how many entries and its hash.
    struct Head: Codable, Equatable {
        var entries: Int
        var hash: String

        static let empty = Head(entries: 0, hash: String(repeating: "0", count: 64))
    }

    /// The name of the file in a database directory.
    static let fileName = "audit.log"

    /// Opens (creating it if missing) the trail in `directory`, continuing after `head`.
    /// - Throws: `.io` if the file cannot be opened for appending.
    init(directory: String, head: Head) throws {
        path = directory + "/" + Self.fileName
        do {
            file = try FileDescriptor.open(
                path: path, .writeOnly, options: [.create, .append, .closeOnExec], permissions: FilePermissions(rawValue: 0o600))
        } catch {
            throw FaceDBError(
                .io, "Cannot open the audit trail \(path) for appending.", remedy: "Check the database directory's permissions.",
                path: path, cause: "\(error)")
        }
        state = Mutex(head)
    }

    deinit { try? file.close() }

    /// The canonical bytes an entry's hash covers: its JSON without `hash`, keys sorted.
    static func hashedBytes(_ entry: AuditEntry) throws -> [UInt8] {
        var unhashed = entry
        unhashed.hash = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(unhashed))
    }

    static func hash(_ entry: AuditEntry) throws -> String {
        SHA256.hash(data: try hashedBytes(entry)).map { String(format: "%02x", $0) }.joined()
    }

    /// Appends one entry (one `write(2)` of one line, then `fsync`) and returns it with the new head.
    func append(
        actor: String, operation: String, identities: [String], faces: [Int64], counts: [String: Int], details: [String: String]
    ) throws -> (AuditEntry, Head) {
        try state.withLock { head in
            var entry = AuditEntry(
                sequence: head.entries + 1, timeMs: Int64((Date().timeIntervalSince1970 * 1000).rounded()), actor: actor, operation: operation,
                identities: Array(identities.prefix(AuditEntry.listLimit)), faces: Array(faces.prefix(AuditEntry.listLimit)),
                counts: counts, details: details, previous: head.hash, hash: "")
            entry.hash = try Self.hash(entry)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = Array(try encoder.encode(entry)) + [0x0A]
            do {
                _ = try line.withUnsafeBytes { try file.writeAll($0) }
                try file.sync()
            } catch {
                throw FaceDBError(
                    .io, "Cannot append to the audit trail \(path); the operation itself was done.",
                    remedy: "Check the disk and the file's permissions.", path: path, cause: "\(error)")
            }
            head = Head(entries: entry.sequence, hash: entry.hash)
            return (entry, head)
        }
    }

    /// Reads and checks the trail at `path` against the head the store recorded (nil: none).
    static func verify(path: String, recorded: Head?) throws -> ([AuditEntry], AuditVerification) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem = recorded.map { "the audit trail \(path) is missing, but the store records \($0.entries) entries" }
            return ([], AuditVerification(validEntries: 0, head: Head.empty.hash, problems: problem.map { [$0] } ?? [], unrecordedEntries: 0))
        }
        var entries: [AuditEntry] = []
        var problems: [String] = []
        var head = Head.empty
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if line.isEmpty {
                if index != lines.count - 1 { problems.append("line \(index + 1) is empty") }
                continue
            }
            guard let entry = try? JSONDecoder().decode(AuditEntry.self, from: Data(line)) else {
                problems.append("line \(index + 1) is not an audit entry")
                break
            }
            if entry.sequence != head.entries + 1 {
                problems.append("line \(index + 1) is entry \(entry.sequence) where entry \(head.entries + 1) belongs (entries removed or inserted)")
                break
            }
            if entry.previous != head.hash {
                problems.append("entry \(entry.sequence) does not chain to the entry before it (an entry before it was altered or removed)")
                break
            }
            if try hash(entry) != entry.hash {
                problems.append("entry \(entry.sequence) was altered (its hash does not match its content)")
                break
            }
            entries.append(entry)
            head = Head(entries: entry.sequence, hash: entry.hash)
        }
        if problems.isEmpty, !data.isEmpty, data.last != 0x0A {
            problems.append("the last line is incomplete")
        }
        var unrecorded = 0
        if problems.isEmpty, let recorded {
            if head.entries < recorded.entries {
                problems.append("the store records \(recorded.entries) entries but the trail holds \(head.entries) (entries removed from the end)")
            } else if entries.indices.contains(recorded.entries - 1) && entries[recorded.entries - 1].hash != recorded.hash {
                problems.append("entry \(recorded.entries) differs from the one the store recorded (the trail was rewritten)")
            } else {
                unrecorded = head.entries - recorded.entries
            }
        }
        return (entries, AuditVerification(validEntries: entries.count, head: head.hash, problems: problems, unrecordedEntries: unrecorded))
    }
}
