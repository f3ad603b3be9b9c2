import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb backup`: an online, consistent copy of a database.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a database to a new directory, consistently, while it stays in use.",
        discussion: """
            DEST must not exist; the copy is written beside it and renamed into place at the end, so an \\
            interrupted backup leaves nothing there. When another process has the database open for \\
            writing, the backup holds every write it acknowledged before the backup started, and the \\
            writer goes on meanwhile. The backup is itself a database (open it, `facedb check` it, or \\
            `facedb restore` it); an encrypted database's backup needs the same key file.
            Example:
              facedb backup people.facedb /backups/people-2026-12-08.facedb
              facedb restore /backups/people-2026-12-08.facedb people.facedb
            """)

    @Argument(help: "The database directory.")
    var database: String

    @Argument(help: "The new directory to write the backup to.")
    var destination: String

    @OptionGroup var keyOptions: KeyOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            defer { try? db.close() }
            let report = try db.backup(to: destination)
            try db.close()
            if json {
                try Output.json(report)
                return
            }
            HumanText.say(
                String(
                    format: "Backed up %d faces of %d identities (sequence %llu, %.1f MiB) to %@ in %.1f s%@.", report.faces,
                    report.identities, report.sequence, Double(report.bytes) / 1_048_576, HumanText.safe(destination), report.seconds,
                    db.isBesideWriter ? ", beside the process writing it" : ""))
        }
    }
}
