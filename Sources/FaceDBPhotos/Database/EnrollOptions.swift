import FaceDBCore
import FaceDBNeural

/// How ``FaceDatabase/enroll(photosAt:identity:pipeline:options:progress:)`` accepts photos.
public struct EnrollOptions: Sendable {
    /// How faces are found (minimum face size, upsampling) and whether chips are kept.
    public var pipeline: PipelineOptions
    /// The quality gate's limits.
    public var quality: QualityThresholds
    /// With several faces in a photo, enroll the largest instead of refusing the photo.
    public var pickLargestFace: Bool
    /// Refuse a face whose score against the most similar face already enrolled for the identity
    /// (stored, or accepted earlier in the same call) does not pass the 1:1 operating threshold in
    /// the metric's direction (`Metric.passes(_:threshold:)`). Default on.
    public var checkIdentityMatch: Bool
    /// Store each face's aligned chip (PNG) with it. Off by default: it is a photo of a person.
    public var storeChips: Bool
    /// A photo whose SHA-256 is already stored for the identity is skipped (its outcome says so)
    /// unless this is set: then its face replaces the stored one, keeping the face id.
    public var replace: Bool
    /// Accept a face that passes the 1:1 threshold against another identity's face. Off by
    /// default: such a face is refused as ``QualityIssue/Kind/duplicatePerson``, naming the
    /// identity it looks like (the same person enrolled twice, or a photo filed under the wrong name).
    public var allowDuplicatePerson: Bool
    /// Metadata stored with each accepted face.
    public var metadata: JSONValue?

    /// Options with the documented defaults.
    public init(
        pipeline: PipelineOptions = PipelineOptions(), quality: QualityThresholds = QualityThresholds(),
        pickLargestFace: Bool = false, checkIdentityMatch: Bool = true, storeChips: Bool = false, replace: Bool = false,
        allowDuplicatePerson: Bool = false, metadata: JSONValue? = nil
    ) {
        self.pipeline = pipeline
        self.quality = quality
        self.pickLargestFace = pickLargestFace
        self.checkIdentityMatch = checkIdentityMatch
        self.storeChips = storeChips
        self.replace = replace
        self.allowDuplicatePerson = allowDuplicatePerson
        self.metadata = metadata
    }
}
