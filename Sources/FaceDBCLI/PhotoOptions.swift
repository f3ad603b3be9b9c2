import ArgumentParser
import FaceDBVision

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
}
