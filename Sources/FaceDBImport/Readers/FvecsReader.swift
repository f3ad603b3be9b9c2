import FaceDBCore

/// Reads an `.fvecs` file (the TEXMEX/FAISS benchmark format) vector by vector, with the
/// identities from a labels file.
///
/// Each vector is a little-endian `Int32` dimension followed by that many little-endian float32
/// values. Every vector must have the dimension of the first.
public struct FvecsReader: EmbeddingSource {
    /// The dimension of the first vector; nil for an empty file.
    public let dimension: Int?
    /// The number of vectors, when the file size is a whole number of vectors.
    public let totalRows: Int?
    /// How many bytes of the `.fvecs` file have been consumed.
    public var bytesRead: Int { file.position }
    /// The `.fvecs` file's size.
    public var totalBytes: Int? { file.size }
    /// The consumed prefix of the file and of the labels file.
    public var consumed: [FilePrefix] { [file.consumed, labels.consumed] }

    private let file: ChunkedFile
    private var labels: LabelsReader
    private var rowsRead = 0
    private var finished = false
    private var firstDimensionPending: Bool

    /// Opens `path` and reads the first vector's dimension.
    /// - Parameter labels: the identities, one label per vector.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when the first dimension is impossible,
    ///   ``FaceDBError/Code/corruption`` when the file ends inside it, ``FaceDBError/Code/io``.
    public init(path: String, labels: LabelsReader) throws {
        file = try ChunkedFile(path: path)
        self.labels = labels
        let first = try Self.readDimensionField(file)
        firstDimensionPending = first != nil
        guard let first else {
            dimension = nil
            totalRows = 0
            return
        }
        guard (1...EmbeddingSpace.maximumDimension).contains(first) else {
            throw FaceDBError(
                .invalidArgument,
                "\(EmbeddingFiles.fileName(of: path)) starts with the dimension \(first); an .fvecs file starts with a dimension of 1 to \(EmbeddingSpace.maximumDimension).",
                remedy: "Check that the file is an .fvecs file (an Int32 dimension, then that many float32, per vector).",
                path: path)
        }
        dimension = first
        let recordBytes = 4 + 4 * first
        totalRows = file.size % recordBytes == 0 ? file.size / recordBytes : nil
    }

    /// The file's name, for messages.
    private var sourceName: String { file.name }

    /// The next vector, or a row rejected for a malformed label; nil after the last vector.
    /// - Throws: ``FaceDBError/Code/corruption`` for a truncated file or a vector of another
    ///   dimension, ``FaceDBError/Code/invalidArgument`` when the labels run out or are left over.
    public mutating func next() throws -> ImportItem? {
        guard !finished else { return nil }
        let source = sourceName
        let vectorDimension: Int?
        if firstDimensionPending {
            firstDimensionPending = false
            vectorDimension = dimension
        } else {
            vectorDimension = try Self.readDimensionField(file)
        }
        guard let vectorDimension, let d = dimension else {
            finished = true
            try labels.finish(rows: rowsRead, in: source)
            return nil
        }
        guard vectorDimension == d else {
            throw FaceDBError(
                .corruption, "Vector \(rowsRead + 1) of \(source) has dimension \(vectorDimension) but the first has \(d).",
                remedy: "Every vector of an .fvecs file must have the same dimension; check how the file was written.",
                path: file.path)
        }
        guard let embedding = try file.readFloat32(count: d) else {
            throw FaceDBError(
                .corruption, "\(source) ends inside vector \(rowsRead + 1): truncated.",
                remedy: "Copy or write the file again.", path: file.path)
        }
        rowsRead += 1
        switch try labels.label(forRow: rowsRead, of: totalRows, in: source) {
        case .rejected(let reason):
            return .rejected(RejectedRow(row: rowsRead, reason: reason))
        case .label(let label):
            return .row(
                ImportRow(
                    row: rowsRead, identity: label.identity, faceID: label.faceID,
                    embedding: embedding, metadata: label.metadata))
        }
    }

    /// The next Int32 dimension field, or nil at the end of the file.
    private static func readDimensionField(_ file: ChunkedFile) throws -> Int? {
        var field: UInt32 = 0
        let n = try withUnsafeMutableBytes(of: &field) { try file.read(into: $0) }
        if n == 0 { return nil }
        guard n == 4 else {
            throw FaceDBError(
                .corruption, "\(EmbeddingFiles.fileName(of: file.path)) ends inside a vector's dimension: truncated.",
                remedy: "Copy or write the file again.", path: file.path)
        }
        return Int(Int32(bitPattern: UInt32(littleEndian: field)))
    }
}
