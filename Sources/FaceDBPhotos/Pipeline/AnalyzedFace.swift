import FaceDBNeural

/// One face found in a photo by ``FacePipeline``: where it is, its landmarks, how good it is and its
/// embedding.
public struct AnalyzedFace: Sendable {
    /// The detection: box (dlib's inclusive rectangle, photo pixels, upright) and confidence.
    public var detection: FaceDetection
    /// The five landmarks, photo pixels.
    public var landmarks: FaceLandmarks
    /// Size, confidence, sharpness and pose.
    public var quality: FaceQuality
    /// The 128-D descriptor of the aligned chip, unnormalized, as dlib computes it.
    public var embedding: [Float]
    /// The 150×150 aligned chip, when ``PipelineOptions/keepChips`` is set.
    public var chip: RGBImage?

    /// Makes a face.
    public init(detection: FaceDetection, landmarks: FaceLandmarks, quality: FaceQuality, embedding: [Float], chip: RGBImage? = nil) {
        self.detection = detection
        self.landmarks = landmarks
        self.quality = quality
        self.embedding = embedding
        self.chip = chip
    }
}
