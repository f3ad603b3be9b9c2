import FaceDBCore

/// Writes embeddings as JSON Lines, the layout ``JSONLinesReader`` reads:
/// `{"identity":"ada","face_id":7,"embedding":[0.1,…],"metadata":{…}}` per line
/// (`metadata` left out when a face has none). Floats are written in their shortest exact form.
public struct JSONLinesWriter: EmbeddingSink {
    private let file: OutputFile
    private var line = [UInt8]()

    /// Creates (or truncates) `path`.
    public init(path: String) throws {
        file = try OutputFile(path: path)
    }

    /// Appends one row as a line.
    public mutating func write(_ row: ImportRow) throws {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: #"{"identity":"#.utf8)
        RejectsWriter.appendJSONString(row.identity, to: &line)
        if let id = row.faceID {
            line.append(contentsOf: #","face_id":"#.utf8)
            line.append(contentsOf: String(id).utf8)
        }
        line.append(contentsOf: #","embedding":["#.utf8)
        for (i, x) in row.embedding.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            EmbeddingFiles.appendJSON(x, to: &line)
        }
        line.append(UInt8(ascii: "]"))
        if let metadata = row.metadata {
            line.append(contentsOf: #","metadata":"#.utf8)
            line.append(contentsOf: metadata.description.utf8)
        }
        line.append(contentsOf: "}\n".utf8)
        try file.write(line)
    }

    /// Flushes and closes the file.
    public mutating func finish() throws -> [String] {
        try file.close(sync: true)
        return [file.path]
    }
}
