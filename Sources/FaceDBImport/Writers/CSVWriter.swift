import FaceDBCore

/// Writes embeddings as CSV with the header `identity,face_id,metadata,e0,…,e{d-1}`, the layout
/// ``CSVReader`` reads. Fields holding a comma, a quote or a line break are quoted (RFC 4180);
/// `metadata` is JSON object text, empty when a face has none.
public struct CSVWriter: EmbeddingSink {
    private let file: OutputFile
    private var line = [UInt8]()

    /// Starts `path` (written to a temporary file, put in place by ``finish()``) with the header for
    /// `dimension` values per row.
    public init(path: String, dimension: Int) throws {
        file = try OutputFile(path: path)
        let columns = ["identity", "face_id", "metadata"] + (0..<dimension).map { "e\($0)" }
        try file.write(columns.joined(separator: ",") + "\n")
    }

    /// Appends one row.
    public mutating func write(_ row: ImportRow) throws {
        line.removeAll(keepingCapacity: true)
        Self.appendField(row.identity, to: &line)
        line.append(UInt8(ascii: ","))
        if let id = row.faceID { line.append(contentsOf: String(id).utf8) }
        line.append(UInt8(ascii: ","))
        if let metadata = row.metadata { Self.appendField(metadata.description, to: &line) }
        for x in row.embedding {
            line.append(UInt8(ascii: ","))
            EmbeddingFiles.appendJSON(x, to: &line)
        }
        line.append(UInt8(ascii: "\n"))
        try file.write(line)
    }

    /// Puts the file in place (fsynced, renamed over `path`).
    public mutating func finish() throws -> [String] {
        try file.commit()
        return [file.path]
    }

    /// Appends `text` as one CSV field, quoted when it must be.
    static func appendField(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), 0x0A, 0x0D]
        let padded = bytes.first == 0x20 || bytes.last == 0x20 || bytes.first == 0x09 || bytes.last == 0x09
        guard padded || bytes.contains(where: special.contains) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }
}
