import FaceDBCore
import FaceDBNeural

/// Images in, aligned face chips out: decode (optional), CNN detection, 5-point landmarks and the
/// 150×150 chip of every face, each stage identical to dlib's (`face_recognition` with
/// `model="cnn"`), ready for ``FaceEmbedder``.
///
/// ```swift
/// let pipeline = try FaceChipPipeline()
/// for face in try pipeline.faces(inFileAt: "/photos/a.jpg") { _ = try embedder.descriptor(for: face.chip) }
/// ```
public final class FaceChipPipeline: Sendable {
    /// One face: where it is, how sure the detector is, its landmarks and its aligned chip.
    public struct Face: Sendable {
        /// The detection (box in the photo's pixels, confidence).
        public var detection: FaceDetection
        /// The 5 landmarks in the photo's pixels.
        public var landmarks: FaceLandmarks
        /// The aligned chip (150×150 with padding 0.25 by default).
        public var chip: RGBImage
    }

    /// The detector.
    public let detector: FaceDetector
    /// The landmark model.
    public let predictor: ShapePredictor
    /// The decoder used by ``faces(inFileAt:minimumFaceSize:)``.
    public let decoder: ImageDecoder
    /// The chip side in pixels (150 for dlib's ResNet).
    public let chipSize: Int
    /// The chip padding around the face (0.25 for dlib's ResNet).
    public let chipPadding: Double

    /// Assembles a pipeline from parts.
    public init(
        detector: FaceDetector, predictor: ShapePredictor, decoder: ImageDecoder = ImageDecoder(),
        chipSize: Int = 150, chipPadding: Double = 0.25
    ) {
        self.detector = detector
        self.predictor = predictor
        self.decoder = decoder
        self.chipSize = chipSize
        self.chipPadding = chipPadding
    }

    /// Loads the detector and the 5-point model from the models directory.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing`` or ``FaceDBError/Code/modelCorrupt``.
    public convenience init(modelDirectory: ModelDirectory = ModelDirectory()) throws {
        self.init(
            detector: try FaceDetector(modelDirectory: modelDirectory),
            predictor: try ShapePredictor(contentsOf: try modelDirectory.path(of: .landmarks5)))
    }

    /// The faces of `image`, found with ``FaceDetector/detect(in:minimumFaceSize:)``.
    public func faces(in image: RGBImage, minimumFaceSize: Int = 40) throws -> [Face] {
        try chips(for: try detector.detect(in: image, minimumFaceSize: minimumFaceSize), in: image)
    }

    /// The faces of `image`, found with dlib's ``FaceDetector/detect(in:upsample:)``.
    public func faces(in image: RGBImage, upsample: Int) throws -> [Face] {
        try chips(for: try detector.detect(in: image, upsample: upsample), in: image)
    }

    /// Decodes the JPEG or PNG file at `path` (EXIF orientation applied) and returns its faces.
    public func faces(inFileAt path: String, minimumFaceSize: Int = 40) throws -> [Face] {
        try faces(in: try decoder.decode(contentsOf: path), minimumFaceSize: minimumFaceSize)
    }

    /// Landmarks and chips for given detections (e.g. boxes from elsewhere).
    public func chips(for detections: [FaceDetection], in image: RGBImage) throws -> [Face] {
        detections.map { detection in
            let landmarks = predictor.predict(in: image, rectangle: detection.rectangle)
            let chip = FaceAligner.chip(from: image, landmarks: landmarks, size: chipSize, padding: chipPadding)
            return Face(detection: detection, landmarks: landmarks, chip: chip)
        }
    }
}
