import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBPhotos
import Foundation

/// `facedb verify`: is this the same person? (1:1)
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare an embedding or a photo with an identity, or two embeddings or photos (1:1).",
        discussion: """
            Prints the score, the decision at the operating point and the estimated false-match rate of
            the score (from the last calibration).
            Example:
              facedb verify people.facedb --embedding "[…]" --identity ada
              facedb verify people.facedb --embedding "[…]" --embedding "[…]" --json
              facedb verify people.facedb photoA.jpg photoB.jpg
              facedb verify people.facedb --identity ada visitor.jpg
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Argument(help: "One photo (with --identity) or two photos; the largest face of each is compared.")
    var photos: [String] = []

    @OptionGroup var photoOptions: PhotoOptions

    @OptionGroup var input: EmbeddingInput

    @Option(help: "Compare with this identity's faces (otherwise two embeddings are compared).")
    var identity: String?

    @Option(help: "Score fusion over the identity's faces: best, or mean:M.")
    var fusion: ScoreFusion = .bestFace

    @Option(help: "A threshold overriding the database's operating point.")
    var threshold: Float?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            defer { try? db.close() }
            let result: Verification
            if !photos.isEmpty {
                let pipeline = try PhotoOptions.loadPipeline(for: db.space)
                if let identity {
                    guard photos.count == 1 else {
                        throw FaceDBError(.invalidArgument, "Give exactly one photo to verify against '\(identity)'.", remedy: "Pass one photo.")
                    }
                    result = try db.verify(photoAt: photos[0], identity: identity, pipeline: pipeline, pipelineOptions: photoOptions.pipeline)
                } else {
                    guard photos.count == 2 else {
                        throw FaceDBError(.invalidArgument, "Give two photos, or one and --identity.", remedy: "Pass two photo paths.")
                    }
                    result = try db.verify(photoAt: photos[0], photoAt: photos[1], pipeline: pipeline, pipelineOptions: photoOptions.pipeline)
                }
            } else if let identity {
                let embeddings = try input.embeddings()
                guard embeddings.count == 1 else {
                    throw FaceDBError(
                        .invalidArgument, "Give exactly one embedding to verify against '\(identity)'.", remedy: "Pass one --embedding.")
                }
                result = try db.verify(embeddings[0], identity: identity, fusion: fusion, threshold: threshold)
            } else {
                let embeddings = try input.embeddings()
                guard embeddings.count == 2 else {
                    throw FaceDBError(.invalidArgument, "Give two embeddings, or one and --identity.", remedy: "Pass --embedding twice.")
                }
                result = try db.verify(embeddings[0], embeddings[1], threshold: threshold)
            }
            if json { try Output.json(result); return }
            let verdict =
                switch result.decision {
                case .match: "same person"
                case .noThreshold: "undecided (no threshold known: run `facedb calibrate`)"
                default: "different people"
                }
            HumanText.say("score \(Output.score(result.score)) → \(verdict)")
            if let t = result.threshold { HumanText.say("threshold \(Output.score(t)) (\(result.thresholdSource.rawValue))") }
            if let fmr = result.estimatedFMRText { HumanText.say("estimated false-match rate of this score: \(fmr)") }
        }
    }
}
