/// What ``FaceDatabase/export(format:to:progress:)-2iinm`` wrote.
public struct ExportResult: Sendable, Equatable {
    /// The number of faces written.
    public var faces: Int
    /// The paths of the files written, in the order they were written.
    public var files: [String]

    /// A result.
    public init(faces: Int, files: [String]) {
        self.faces = faces
        self.files = files
    }
}
