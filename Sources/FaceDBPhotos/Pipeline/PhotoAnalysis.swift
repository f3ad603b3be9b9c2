/// Everything ``FacePipeline`` found in one photo.
public struct PhotoAnalysis: Sendable {
    /// The photo's path, when it came from a file.
    public var path: String?
    /// The SHA-256 of the photo's bytes, in hex.
    public var sha256: String
    /// The decoded (upright) image's width.
    public var width: Int
    /// The decoded (upright) image's height.
    public var height: Int
    /// The faces, largest first.
    public var faces: [AnalyzedFace]

    /// Makes an analysis.
    public init(path: String?, sha256: String, width: Int, height: Int, faces: [AnalyzedFace]) {
        self.path = path
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.faces = faces
    }

    /// The largest face, if any.
    public var largestFace: AnalyzedFace? { faces.first }
}
