/// One model file of a photo pipeline: its role, its file name and its SHA-256. A database records
/// its pipeline's models (meta `pipeline_models`, `Schemas/pipeline-models.schema.json`) and takes
/// photos only from a pipeline with the same ones.
public struct PipelineModel: Codable, Equatable, Sendable {
    /// `detector`, `landmarks` or `embedder`.
    public var role: String
    /// The model's file name.
    public var file: String
    /// The file's SHA-256, 64 lowercase hex digits.
    public var sha256: String

    /// A model of a pipeline.
    public init(role: String, file: String, sha256: String) {
        self.role = role
        self.file = file
        self.sha256 = sha256
    }
}
