import FaceDBCore

/// Writes embeddings as a float32 `.npy` matrix `(n, d)` plus a labels file in JSON Lines,
/// `{"identity": ..., "face_id": ..., "metadata"?: ...}` per row, which ``NpyReader`` with a
/// ``LabelsReader`` reads back: `facedb import DB faces.npy --labels faces.labels.jsonl`.
public struct NpyWriter: EmbeddingSink {
    private let matrix: NpyArrayWriter
    private let labels: OutputFile
    private var line = [UInt8]()

    /// Creates `path` (a `.npy`) and its labels file ``EmbeddingFiles/labelsPath(forNpy:)``.
    public init(path: String, dimension: Int) throws {
        matrix = try NpyArrayWriter(path: path, descr: "<f4", rowShape: [dimension])
        labels = try OutputFile(path: EmbeddingFiles.labelsPath(forNpy: path))
    }

    /// Appends one row to both files.
    public mutating func write(_ row: ImportRow) throws {
        try matrix.file.write(floats: row.embedding)
        matrix.didWriteRow()
        line.removeAll(keepingCapacity: true)
        EmbeddingFiles.appendJSONLine(row, embedding: false, to: &line)
        try labels.write(line)
    }

    /// Completes both files.
    public mutating func finish() throws -> [String] {
        try matrix.finish()
        try labels.commit()
        return [matrix.file.path, labels.path]
    }
}
