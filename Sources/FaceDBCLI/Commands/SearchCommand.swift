import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb search`: the stored faces closest to a stored face (Rekognition's SearchFaces).
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "List the stored faces closest to a stored face, best first (the face itself left out).",
        discussion: """
            Scores are in the metric's unit: distance for l2 (smaller is closer), similarity otherwise.
            Example:
              facedb search people.facedb --face 17 --k 5
              facedb search people.facedb --face 17 --gallery staff --json
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "The stored face's id (as `facedb export` or the shell's `show` list them).")
    var face: Int64

    @Option(help: "How many faces to return.")
    var k: Int = 10

    @Option(help: "Only identities in this gallery (repeatable).")
    var gallery: [String] = []

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            defer { try? db.close() }
            let matches = try db.search(face: FaceID(face), k: k, filter: SearchFilter(galleries: gallery.isEmpty ? nil : gallery))
            if json {
                try Output.json(ShellResult.FaceMatches(face: face, matches: matches))
                return
            }
            if matches.isEmpty { HumanText.say("No other face is stored.") }
            Output.table(["face", "identity", "score"], matches.map { ["\($0.faceID)", $0.identity, Output.score($0.score)] })
        }
    }
}
