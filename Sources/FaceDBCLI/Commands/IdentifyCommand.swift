import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBPhotos
import Foundation

extension ScoreFusion: ExpressibleByArgument {
    /// `best` or `mean:M`.
    public init?(argument: String) {
        if argument == "best" { self = .bestFace; return }
        if argument.hasPrefix("mean:"), let m = Int(argument.dropFirst(5)), m >= 1 { self = .meanOfBest(m); return }
        return nil
    }
}

/// `facedb identify`: who is this? (1:N, open set)
struct IdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Find the top-k identities for embeddings or for every face in photos (1:N, answers 'unknown' for strangers).",
        discussion: """
            Decisions use the database's calibrated threshold (see `facedb calibrate`), else the model's
            default (0.6 for dlib's ResNet), and say which.
            Example:
              facedb identify people.facedb --embedding "[0.01, -0.12, …]" --k 3
              facedb identify people.facedb --embedding-file probes.txt --gallery staff --json
              facedb identify people.facedb team.jpg visitor.png
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Argument(help: "Photos: every face in each is identified (instead of --embedding).")
    var photos: [String] = []

    @OptionGroup var photoOptions: PhotoOptions

    @OptionGroup var input: EmbeddingInput

    @Option(help: "How many identities to return.")
    var k: Int = 5

    @Option(help: "Only identities in this gallery (repeatable).")
    var gallery: [String] = []

    @Option(help: "Only these identities (repeatable).")
    var identity: [String] = []

    @Option(help: "Score fusion per identity: best, or mean:M (mean of the best M faces).")
    var fusion: ScoreFusion = .bestFace

    @Option(help: "Runner-up closer than this to the best makes the answer 'ambiguous'.")
    var margin: Float = IdentificationOptions.defaultMargin

    @Option(help: "A threshold overriding the database's operating point.")
    var threshold: Float?

    @Flag(help: "Print one JSON object per probe.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            defer { try? db.close() }
            let filter = SearchFilter(galleries: gallery.isEmpty ? nil : gallery, identities: identity.isEmpty ? nil : identity)
            let options = IdentificationOptions(k: k, fusion: fusion, margin: margin, filter: filter, threshold: threshold)
            if !photos.isEmpty {
                try identifyPhotos(db, options: options)
                return
            }
            let answers = try db.identify(batch: try input.embeddings(), options: options)
            for (i, answer) in answers.enumerated() {
                if json { try Output.json(answer); continue }
                let verdict = answer.identity.map { "match → \(HumanText.safe($0))" } ?? answer.decision.rawValue
                let threshold =
                    answer.threshold.map { "threshold \(Output.score($0)) (\(answer.thresholdSource.rawValue))" }
                    ?? "no threshold known: run `facedb calibrate`"
                HumanText.say("probe \(i + 1): \(verdict); \(threshold)")
                Self.printMatches(answer)
            }
        }
    }

    /// Identifies every face of every photo; a photo that cannot be read is reported and the rest go on.
    func identifyPhotos(_ db: FaceDatabase, options: IdentificationOptions) throws {
        let pipeline = try PhotoOptions.loadPipeline(for: db.space)
        var failed = false
        for path in photos {
            do {
                let result = try db.identify(photoAt: path, pipeline: pipeline, options: options, pipelineOptions: photoOptions.pipeline)
                if json {
                    try Output.json(PhotoJSON(path: path, faces: result.faces.map { PhotoFaceJSON($0.face, identification: $0.identification) }))
                    continue
                }
                HumanText.say("\(path): \(result.faces.count) face\(result.faces.count == 1 ? "" : "s")")
                for (i, face) in result.faces.enumerated() {
                    let r = face.face.detection.rectangle
                    let answer = face.identification
                    let verdict = answer.identity.map { "match → \(HumanText.safe($0))" } ?? answer.decision.rawValue
                    HumanText.say(
                        String(
                            format: "face %d at [%d, %d, %d, %d] (confidence %.2f): %@", i + 1, r.left, r.top, r.right, r.bottom,
                            face.face.detection.confidence, verdict))
                    Self.printMatches(answer)
                }
            } catch let error as FaceDBError where error.code != .modelMismatch {
                failed = true
                if json {
                    try Output.json(PhotoJSON(path: path, error: error.message))
                } else {
                    HumanText.warn("error: \(path): \(error.message)")
                }
            }
        }
        if failed { throw ExitCode(CLIError.failure) }
    }

    /// The ranked identities of one answer as a table.
    static func printMatches(_ answer: Identification) {
        Output.table(
            ["rank", "identity", "score", "decision", "best face"],
            answer.matches.enumerated().map { r, m in
                ["\(r + 1)", m.identity, Output.score(m.score), m.decision.rawValue, "\(m.bestFace)"]
            })
    }
}
