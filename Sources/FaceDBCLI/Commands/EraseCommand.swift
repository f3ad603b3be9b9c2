import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb erase`: removal that leaves nothing behind in the database's files.
struct EraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Remove identities or faces and purge them from every file of the database.",
        discussion: """
            For a person's right to erasure. Removes what is named (like the shell's `remove`), then
            purges it: the write-ahead log that held it is flushed and deleted, its key ranges are
            compacted with RocksDB's last level rewritten, the index drops it (HNSW rebuilds its graph
            without the erased nodes) and the index snapshot is rewritten. When the command returns, no
            file under the database directory holds the erased embeddings, metadata or provenance.
            Backups and exports made before keep them (see SECURITY.md).
            An id that is no longer stored (removed before with `remove`) is purged too; for an identity
            that means rewriting the whole store. --removed purges every earlier removal at once.
            --all erases the whole database: every file is overwritten with zeros and deleted, then the
            directory (refused while another process has it open, and for a directory that is not a
            FaceDB database).
            Examples:
              facedb erase people.facedb --identity ada
              facedb erase people.facedb --face 17 --face 18
              facedb erase people.facedb --removed
              facedb erase people.facedb --all
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(name: .customLong("identity"), help: "An identity to erase with its faces (repeatable).")
    var identities: [String] = []

    @Option(name: .customLong("face"), help: "A face id to erase (repeatable).")
    var faces: [Int64] = []

    @Flag(help: "Purge every identity and face removed earlier (rewrites the whole store).")
    var removed = false

    @Flag(help: "Erase the whole database: overwrite every file with zeros, delete it and the directory.")
    var all = false

    @Flag(help: "Print one JSON object instead of a sentence.")
    var json = false

    func validate() throws {
        let modes = [!identities.isEmpty || !faces.isEmpty, removed, all].filter { $0 }.count
        guard modes == 1 else {
            throw ValidationError("Say what to erase: --identity ID and/or --face ID, or --removed, or --all (one of them).")
        }
        if let negative = faces.first(where: { $0 < 0 }) {
            throw ValidationError("--face \(negative) is not a face id (face ids are whole numbers from 0).")
        }
    }

    /// The JSON form of what was erased.
    struct Output: Encodable {
        var identities: [String]
        var faces: [Int64]
        var already_removed: [String]
        var purged_whole_store: Bool
        var database_erased: Bool
        var seconds: Double
    }

    func run() throws {
        try CLIError.reporting {
            if all {
                let started = Date()
                try FaceDatabase.eraseDatabase(at: database)
                let seconds = Date().timeIntervalSince(started)
                try emit(
                    Output(
                        identities: [], faces: [], already_removed: [], purged_whole_store: true, database_erased: true,
                        seconds: seconds),
                    text: String(format: "Erased the database at %@: every file overwritten with zeros and deleted (%.1f s).", database, seconds))
                return
            }
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
            var total = ErasureReport()
            if removed { total = total.adding(try db.purgeRemoved()) }
            for identity in identities { total = total.adding(try db.erase(identity: identity)) }
            if !faces.isEmpty { total = total.adding(try db.erase(faces: faces.map { FaceID($0) })) }
            try db.close()
            var text =
                "Erased \(total.identities.count) identit\(total.identities.count == 1 ? "y" : "ies") and \(total.faces.count) face\(total.faces.count == 1 ? "" : "s")"
            if !total.alreadyRemoved.isEmpty { text += "; purged \(total.alreadyRemoved.count) removed before" }
            if removed { text = "Purged every identity and face removed before" }
            text += String(format: " (%.1f s): no file under %@ holds them.", total.seconds, database)
            try emit(
                Output(
                    identities: total.identities, faces: total.faces.map(\.rawValue), already_removed: total.alreadyRemoved,
                    purged_whole_store: total.purgedWholeStore, database_erased: false, seconds: total.seconds),
                text: text)
        }
    }

    private func emit(_ output: Output, text: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            HumanText.say(text)
        }
    }
}
