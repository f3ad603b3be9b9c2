import ArgumentParser
import FaceDBCore
import Foundation

/// `--key-file`, shared by every command that opens a database: the key of an encrypted database
/// (a file of exactly 32 bytes), or `FACEDB_KEY_FILE` when the option is not given. At `create` it
/// encrypts the new database.
struct KeyOptions: ParsableArguments {
    @Option(
        name: .customLong("key-file"),
        help: "The key file of an encrypted database (32 bytes); default: $FACEDB_KEY_FILE. At create: encrypt the database with it.")
    var keyFile: String?

    /// The environment variable read when `--key-file` is not given.
    static let environmentVariable = "FACEDB_KEY_FILE"

    /// The key file's key, or nil when neither the option nor the variable names one.
    func key() throws -> EncryptionKey? {
        let environment = ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = keyFile ?? environment else { return nil }
        return try EncryptionKey(contentsOfFile: path)
    }
}
