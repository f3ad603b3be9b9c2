import ArgumentParser
import FaceDB
import FaceDBCore

extension Metric: ExpressibleByArgument {}

/// `facedb create`: makes a new database bound to an embedding space.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a database bound to one embedding space.",
        discussion: """
            Example:
              facedb create people.facedb --model dlib_face_recognition_resnet_model_v1 --dim 128 --metric l2
              facedb create arcface.facedb --model arcface-r100 --dim 512 --metric cosine --index hnsw
            """)

    @Argument(help: "The database directory to create (new or empty).")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "The name of the model that produces the embeddings.")
    var model: String = EmbeddingSpace.dlibResNet.model

    @Option(help: "The embedding dimension.")
    var dim: Int = EmbeddingSpace.dlibResNet.dimension

    @Option(help: "How embeddings are compared: l2, cosine or ip.")
    var metric: Metric = .l2

    @Flag(help: "Scale vectors to unit length on insert and query (always on for cosine).")
    var normalize = false

    @OptionGroup var indexOptions: IndexOptions

    @Flag(help: "Keep an audit trail of who did what (audit.log; see `facedb audit`).")
    var audit = false

    func run() throws {
        try CLIError.reporting {
            let space = EmbeddingSpace(model: model, dimension: dim, metric: metric, normalize: normalize)
            let db = try FaceDatabase.create(
                at: database, space: space, index: indexOptions.configuration(), options: CommandLog.options(key: try keyOptions.key()))
            if audit { try db.enableAuditTrail() }
            try db.close()
            HumanText.say(
                "Created \(database): model \(space.model), \(space.dimension)-D, \(space.metric.rawValue)"
                    + "\(space.normalize ? ", normalized" : ""), index \(indexOptions.configuration())\(audit ? ", with an audit trail" : "").")
        }
    }
}
