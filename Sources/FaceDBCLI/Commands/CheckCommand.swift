import ArgumentParser
import FaceDB
import FaceDBCore

/// `facedb check`: looks for damage and compares the index with the store, writing nothing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the store for damage and the index against it, changing nothing.",
        discussion: """
            Opens the database read-only (nothing under it is written, so it also works on a full disk)
            and reports: damage RocksDB finds on opening (a write-ahead log damaged before its last
            record, a MANIFEST that lost writes the index snapshot had seen, unreadable table files); an
            index snapshot that could not be used (damaged, of another store, holding other vectors); and
            whether the index holds exactly the stored faces: their ids, the digests of their vectors, and
            a sample of 1,000 stored vectors compared bit for bit (--full: every vector, every row of the
            store read and its checksums verified, and the store's vector digest recomputed).
            Exits with 1 when anything is wrong. An index that differs is repaired by `facedb reindex`
            (the store is the truth); a damaged store by restoring a backup, or by `facedb repair DB
            --into NEW`, which salvages what is readable.
            Examples:
              facedb check people.facedb
              facedb check people.facedb --full
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Flag(help: "Compare every vector and read every row of the store, not a sample.")
    var full = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.silentOptions(readOnly: true, key: try keyOptions.key()))
            let check = try db.checkIndex(full: full)
            try db.close()
            HumanText.say(
                "stored faces: \(check.storedFaces), indexed vectors: \(check.indexedVectors), vectors compared: \(check.comparedVectors)\(full ? " (all)" : " (a sample)")"
            )
            var wrong = false
            if let problem = check.snapshotProblem {
                HumanText.say("index snapshot: not used: \(problem.reason)")
                if problem.kind == .damaged {
                    wrong = true
                    HumanText.say(
                        "  the index was rebuilt from the store in memory; opening the database for writing (or `facedb reindex`) rewrites the snapshot"
                    )
                }
            }
            if !check.missingFromIndex.isEmpty || !check.extraInIndex.isEmpty {
                HumanText.say("missing from the index: \(check.missingFromIndex.count), extra in the index: \(check.extraInIndex.count)")
            }
            if !check.differingVectors.isEmpty {
                HumanText.say(
                    "vectors that differ between index and store: \(check.differingVectors.count) (first: \(check.differingVectors.prefix(5).map(\.description).joined(separator: ", ")))"
                )
            }
            if let counted = check.countedFaces, counted != check.storedFaces {
                HumanText.say(
                    "the store's counters record \(counted) faces but it holds \(check.storedFaces): the store is damaged (restore a backup, or `facedb repair`)"
                )
            }
            if !check.digestsMatch { HumanText.say("the digest of the index's vectors differs from the store's") }
            if check.storeDigestMatches == false {
                HumanText.say("the store's recorded vector digest differs from its rows: its counters are damaged")
            }
            if check.isConsistent && !wrong {
                HumanText.say("ok: no damage found; the index matches the store")
                return
            }
            if !check.isConsistent { HumanText.say("run `facedb reindex \(database)` to rebuild the index from the store") }
            throw ExitCode(CLIError.failure)
        }
    }
}
