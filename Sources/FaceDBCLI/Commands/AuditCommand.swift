import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb audit`: shows and verifies a database's audit trail, or starts one.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show or verify the audit trail of who did what, or start keeping one.",
        discussion: """
            A database created with --audit (or given --enable here) appends one entry per operation to
            audit.log: time, actor (user and program, or the server's key name), operation (add, enroll,
            remove, import, erase, calibrate, export, reindex, …), the ids concerned and counts, never an
            embedding. Each entry holds the SHA-256 of the one before, and the store records the last, so
            an entry altered, removed or inserted anywhere, or removed from the end, is detected.
            Reading works while another process has the database open.
            Exits with 1 when the trail is not intact.
            Examples:
              facedb audit people.facedb --enable
              facedb audit people.facedb
              facedb audit people.facedb --verify --json
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Flag(help: "Start keeping an audit trail (its first entry records this).")
    var enable = false

    @Flag(help: "Only verify: print the verdict, not the entries.")
    var verify = false

    @Flag(help: "Print one JSON object per entry, then the verdict, instead of a table.")
    var json = false

    /// The JSON form of the verdict.
    struct Verdict: Encodable {
        var intact: Bool
        var entries: Int
        var head: String
        var problems: [String]
        var unrecorded_entries: Int
    }

    func run() throws {
        try CLIError.reporting {
            if enable {
                let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
                let already = db.keepsAuditTrail
                try db.enableAuditTrail()
                try db.close()
                HumanText.say(already ? "\(database) already keeps an audit trail." : "\(database) now keeps an audit trail (audit.log).")
                return
            }
            let (entries, verification) = try FaceDatabase.verifyAuditTrail(at: database)
            if !verify {
                if json {
                    for entry in entries { try Output.json(entry) }
                } else {
                    let time = ISO8601DateFormatter()
                    Output.table(
                        ["#", "time (UTC)", "actor", "operation", "identities", "faces", "counts"],
                        entries.map { e in
                            [
                                "\(e.sequence)", time.string(from: Date(timeIntervalSince1970: Double(e.timeMs) / 1000)), e.actor, e.operation,
                                e.identities.prefix(3).joined(separator: ", ") + (e.identities.count > 3 ? ", …" : ""),
                                "\(e.counts["faces"] ?? e.faces.count)",
                                e.counts.filter { $0.key != "faces" && $0.key != "identities" && $0.value != 0 }.sorted { $0.key < $1.key }
                                    .map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                            ]
                        })
                }
            }
            if json {
                try Output.json(
                    Verdict(
                        intact: verification.isIntact, entries: verification.validEntries, head: verification.head,
                        problems: verification.problems, unrecorded_entries: verification.unrecordedEntries))
            } else if verification.isIntact {
                HumanText.say("ok: \(verification.validEntries) entries, intact; head \(verification.head)")
            } else {
                HumanText.say("NOT INTACT: \(verification.problems.joined(separator: "; ")) (\(verification.validEntries) entries check before it)")
            }
            if !verification.isIntact { throw ExitCode(CLIError.failure) }
        }
    }
}
