import ArgumentParser
import FaceDB
import FaceDBCore

/// `facedb check`: compares the index with the store.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that the index holds exactly the stored faces.",
        discussion: """
            Exits with 1 if they differ (then `facedb reindex` repairs the index; the store is the truth).
            Example:
              facedb check people.facedb
            """)

    @Argument(help: "The database directory.")
    var database: String

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database)
            let check = try db.checkIndex()
            try db.close()
            print("stored faces: \(check.storedFaces), indexed vectors: \(check.indexedVectors)")
            if check.isConsistent {
                print("ok: the index matches the store")
                return
            }
            print("missing from the index: \(check.missingFromIndex.count), extra in the index: \(check.extraInIndex.count)")
            throw ExitCode(CLIError.failure)
        }
    }
}
