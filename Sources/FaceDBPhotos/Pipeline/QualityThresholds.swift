/// The limits of the quality gate (``QualityGate``), with documented defaults.
///
/// The fixture figures below come from `facedb enroll DB --folder F --json --no-identity-check`
/// over the fixture portraits (`Tests/FaceDBPhotosTests/Fixtures/photos`, one sub-folder per
/// person), which prints every photo's measurements.
public struct QualityThresholds: Sendable, Codable, Hashable {
    /// The shorter side of the face box must be at least this many pixels. Default 40: the
    /// detector's own floor at one upsampling, and the smallest faces the embedder was trained on.
    public var minimumFaceSize: Int
    /// The detector's confidence must be at least this. Default 0.3 (faces in ordinary photos score
    /// about 1.0; the detector reports anything above 0).
    public var minimumConfidence: Double
    /// The chip's sharpness (``FaceQuality/sharpness``) must be at least this. Default 15. On the
    /// fixture portraits the softest chip (a 48 px face, enlarged to 150 px) scores 25 and the
    /// sharpest 1,558; a 119 px face scoring 344 drops to 14 when its photo is blurred with a 5×5
    /// box filter (`PhotoTests`).
    public var minimumSharpness: Double
    /// The head turn (``FaceQuality/yaw``, 0 frontal, 1 nose over an eye) must be at most this in
    /// magnitude. Default 0.8; the most turned fixture portrait measures 0.54.
    public var maximumYaw: Double
    /// The head tilt (``FaceQuality/roll``) must be at most this many degrees. Default 35; the most
    /// tilted fixture portrait measures 19.5°.
    public var maximumRoll: Double

    /// Thresholds with the documented defaults.
    public init(
        minimumFaceSize: Int = 40, minimumConfidence: Double = 0.3, minimumSharpness: Double = 15,
        maximumYaw: Double = 0.8, maximumRoll: Double = 35
    ) {
        self.minimumFaceSize = minimumFaceSize
        self.minimumConfidence = minimumConfidence
        self.minimumSharpness = minimumSharpness
        self.maximumYaw = maximumYaw
        self.maximumRoll = maximumRoll
    }
}
