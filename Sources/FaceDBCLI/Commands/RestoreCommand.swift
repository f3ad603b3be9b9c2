import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb restore`: a backup back into a database directory.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup to a new database directory (never over an existing one).",
        discussion: """
            The backup is copied, opened to check that it is whole, and renamed into place; it is not \\
            changed. To replace a database, move the old one away first.
            Example:
              facedb restore /backups/people-2026-12-08.facedb people.facedb
            """)

    @Argument(help: "The backup directory (written by `facedb backup`).")
    var backup: String

    @Argument(help: "The new database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    func run() throws {
        try CLIError.reporting {
            try FaceDatabase.restore(backup: backup, to: database, options: CommandLog.options(key: try keyOptions.key()))
            HumanText.say("Restored \(HumanText.safe(backup)) to \(HumanText.safe(database)).")
        }
    }
}
