/// How ``FacePipeline`` looks for faces.
public struct PipelineOptions: Sendable, Hashable {
    /// The smallest face to find, in photo pixels (default 40). The detector upsamples small photos
    /// only when faces this small could otherwise be missed and downsamples large ones when the
    /// faces sought are large, so a 12 MP photo with faces of 100 px or more is fast (see
    /// ``FaceDetector/detect(in:minimumFaceSize:)``).
    public var minimumFaceSize: Int
    /// dlib-compatible: upsample the photo this many times instead of deciding from
    /// ``minimumFaceSize`` (face_recognition's default is 1).
    public var upsample: Int?
    /// Keep each face's aligned 150×150 chip in the result (off by default: it is a photo of a person).
    public var keepChips: Bool

    /// Options with the documented defaults.
    public init(minimumFaceSize: Int = 40, upsample: Int? = nil, keepChips: Bool = false) {
        self.minimumFaceSize = minimumFaceSize
        self.upsample = upsample
        self.keepChips = keepChips
    }
}
