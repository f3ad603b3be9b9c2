import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb rekey`: changes the key of an encrypted database.
struct RekeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Change the key of an encrypted database.",
        discussion: """
            The database's data is encrypted with its own random data key, kept wrapped by your key; rekey
            rewraps it with the new key in one atomic write, then purges the old wrapped key from the
            store's files. Killed at any moment, the database opens with the old key or the new one.
            Make the new key file first: head -c 32 /dev/urandom > new.key (keep it apart from the database).
            Example:
              facedb rekey people.facedb --key-file old.key --new-key-file new.key
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "The new key file (32 bytes).")
    var newKeyFile: String

    func run() throws {
        try CLIError.reporting {
            guard let old = try keyOptions.key() else {
                throw FaceDBError(
                    .keyRequired, "rekey needs the database's current key.", remedy: "Give it with --key-file OLD (or FACEDB_KEY_FILE).")
            }
            let new = try EncryptionKey(contentsOfFile: newKeyFile)
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: old))
            try db.changeKey(from: old, to: new)
            try db.close()
            HumanText.say("\(database) now opens with the key in \(newKeyFile); the old key no longer opens it.")
        }
    }
}
