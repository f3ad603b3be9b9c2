import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb repair`: salvages what is readable of a damaged database into a new one.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Salvage what is readable of a damaged database into a new directory, and report what was lost.",
        discussion: """
            Never writes, renames or deletes anything under the damaged database: its store is copied
            into a scratch directory inside NEW (removed at the end) and the copy is opened ever more
            leniently: FaceDB's normal read-only open; RocksDB read-only with point-in-time recovery of
            the write-ahead log (every write after the first damaged record is dropped); RocksDB's own
            repair on the copy. Every readable identity (display name, metadata, galleries), face (id,
            vector, source, metadata), the calibration and the photo pipeline's models are written to a
            new database at NEW with the same embedding space, index configuration and face ids. A
            damaged block of faces is skipped and reported as a range of face ids. Faces the damaged
            database's index snapshot holds but its store no longer does are written with their vectors
            to NEW/unsalvaged-from-snapshot.jsonl (one JSON object a line: face_id, embedding).
            NEW must be a new or empty directory outside the damaged database.
            Exits with 0 when everything the damaged store's counters recorded was salvaged, and with 1
            (after writing NEW) when anything was lost, saying what.
            Examples:
              facedb repair people.facedb --into people.repaired
              facedb repair people.facedb --into people.repaired --json | jq .losses
            """)

    @Argument(help: "The damaged database directory (never written).")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(name: .customLong("into"), help: "A new or empty directory for the repaired database.")
    var into: String

    @Flag(help: "Print the report as one JSON line.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let report = try FaceDatabase.repair(from: database, into: into, options: CommandLog.silentOptions(key: try keyOptions.key()))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                HumanText.say(Self.summary(report))
            }
            if !report.isComplete { throw ExitCode(CLIError.failure) }
        }
    }

    /// The report in a few lines.
    static func summary(_ report: RepairReport) -> String {
        func recorded(_ n: Int?) -> String { n.map { " of \($0) recorded" } ?? " (counter unreadable)" }
        var lines = ["repaired \(report.damaged) into \(report.repaired) (opened \(report.recoveryMode.rawValue))"]
        for refused in report.refusedModes { lines.append("  \(refused.mode.rawValue) open refused: \(refused.reason)") }
        lines.append(
            "identities salvaged: \(report.identitiesSalvaged + report.identitiesCreatedBare)\(recorded(report.identitiesRecorded))"
                + (report.identitiesCreatedBare > 0 ? " (\(report.identitiesCreatedBare) created bare)" : ""))
        lines.append("faces salvaged: \(report.facesSalvaged)\(recorded(report.facesRecorded))")
        lines.append("calibration: \(report.calibrationSalvaged ? "salvaged" : "none")")
        switch report.snapshotStatus {
        case .missing: lines.append("index snapshot: none")
        case .compared: lines.append("index snapshot: compared; faces only it holds: \(report.unsalvagedFaceIDs.count)")
        case .otherStore, .unreadable: lines.append("index snapshot: not compared (\(report.snapshotProblem ?? report.snapshotStatus.rawValue))")
        }
        if report.isComplete {
            lines.append("ok: everything the damaged store recorded was salvaged")
        } else {
            lines.append("lost:")
            lines += report.losses.map { "  - " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
