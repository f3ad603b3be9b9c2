import FaceDBNeural

/// Who is in a photo: every face found, with its identification.
public struct PhotoIdentification: Sendable {
    /// One face and who it is.
    public struct Face: Sendable {
        /// The face as found by the pipeline.
        public var face: AnalyzedFace
        /// Its top-k identities and the decision.
        public var identification: Identification
    }

    /// The photo's path.
    public var path: String?
    /// The photo's size and checksum.
    public var width: Int, height: Int, sha256: String
    /// The faces, largest first.
    public var faces: [Face]
}
