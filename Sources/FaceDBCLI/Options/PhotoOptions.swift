import ArgumentParser
import FaceDBCore
import FaceDBPhotos

/// How faces are looked for in photos: `--min-face PX` (default 40) or dlib's `--upsample N`.
struct PhotoOptions: ParsableArguments {
    @Option(help: "The smallest face to find, in pixels (the detector decides its scaling from it).")
    var minFace = PipelineOptions().minimumFaceSize

    @Option(help: "dlib-compatible: upsample the photo N times instead of deciding from --min-face.")
    var upsample: Int?

    /// The pipeline options these flags give.
    var pipeline: PipelineOptions { PipelineOptions(minimumFaceSize: minFace, upsample: upsample) }

    func validate() throws {
        guard minFace >= 10 else { throw ValidationError("--min-face must be at least 10 pixels.") }
        if let upsample, !(0...3).contains(upsample) { throw ValidationError("--upsample must be between 0 and 3.") }
    }

    /// Loads the face models (from `Tools/fetch-models`'s directory).
    static func loadPipeline() throws -> FacePipeline { try FacePipeline() }

    /// Loads the face models for a database of `space`: a database created for the pipeline's model
    /// (`--model dlib_face_recognition_resnet_model_v1 --dim 128`) gets the descriptors compared as it
    /// compares them (`--metric`, `--normalize`), which the user chose at `facedb create`; any other
    /// space gets the plain pipeline, which the database refuses with what differs.
    static func loadPipeline(for space: EmbeddingSpace) throws -> FacePipeline {
        adapted(try FacePipeline(), to: space)
    }

    /// `pipeline` compared as a database of `space` compares, when `space` is of the pipeline's model.
    static func adapted(_ pipeline: FacePipeline, to space: EmbeddingSpace) -> FacePipeline {
        guard space.model == pipeline.space.model, space.dimension == pipeline.space.dimension else { return pipeline }
        return pipeline.comparing(by: space.metric, normalize: space.normalize)
    }
}
