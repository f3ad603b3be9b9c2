import FaceDBCore

/// Writes embeddings as JSON Lines, the layout ``JSONLinesReader`` reads:
/// `{"identity":"ada","face_id":7,"embedding":[0.1,…],"metadata":{…}}` per line
/// (`metadata` left out when a face has none). Floats are written in their shortest exact form.
public struct JSONLinesWriter: EmbeddingSink {
    private let file: OutputFile
    private var line = [UInt8]()

    /// Starts `path` (written to a temporary file, put in place by ``finish()``).
    public init(path: String) throws {
        file = try OutputFile(path: path)
    }

    /// Appends one row as a line.
    public mutating func write(_ row: ImportRow) throws {
        line.removeAll(keepingCapacity: true)
        EmbeddingFiles.appendJSONLine(row, embedding: true, to: &line)
        try file.write(line)
    }

    /// Puts the file in place (fsynced, renamed over `path`).
    public mutating func finish() throws -> [String] {
        try file.commit()
        return [file.path]
    }
}
