/// One face found by ``FaceDetector``: dlib's `mmod_rect` (an integer rectangle in the photo's pixels
/// and the network's score, > 0).
public struct FaceDetection: Hashable, Sendable, Codable {
    /// The face box, inclusive corners, in the pixels of the image passed to the detector.
    public var rectangle: DlibRectangle
    /// The detector's score (dlib's `detection_confidence`); higher is more certain, > 0 for every detection.
    public var confidence: Double

    /// Makes a detection.
    public init(rectangle: DlibRectangle, confidence: Double) {
        self.rectangle = rectangle
        self.confidence = confidence
    }
}
