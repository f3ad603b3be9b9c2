import FaceDBCore

/// Writes embeddings as JSON Lines, the layout ``JSONLinesReader`` reads:
/// `{"identity":"ada","face_id":7,"embedding":[0.1,…],"metadata":{…},"source":{…}}` per line
/// (`metadata` and `source` left out when a face has none), after a dump's database and identity
/// lines when they are written. Floats are written in their shortest exact form.
public struct JSONLinesWriter: EmbeddingSink {
    private let file: OutputFile
    private var line = [UInt8]()

    /// Starts `path` (written to a temporary file, put in place by ``finish()``).
    public init(path: String) throws {
        file = try OutputFile(path: path)
    }

    /// Writes a dump's first line (`Schemas/dump.schema.json`): the database's space, index and
    /// operating point (given as JSON).
    public mutating func writeHeader(space: EmbeddingSpace, index: IndexConfiguration, calibration: JSONValue?) throws {
        var header: [String: JSONValue] = [
            "kind": .string("database"), "format": .string("facedb-dump"), "version": .number(Double(DumpHeader.version)),
            "space": try .encoding(space), "index": try .encoding(index),
        ]
        if let calibration { header["calibration"] = calibration }
        try file.write(Array(JSONValue.object(header).description.utf8) + [UInt8(ascii: "\n")])
    }

    /// Writes a dump's identity line.
    public mutating func writeIdentity(_ identity: Identity) throws {
        var record: [String: JSONValue] = [
            "kind": .string("identity"), "identity": .string(identity.id), "galleries": .array(identity.galleries.map { .string($0) }),
            "metadata": identity.metadata,
        ]
        if let name = identity.displayName { record["display_name"] = .string(name) }
        try file.write(Array(JSONValue.object(record).description.utf8) + [UInt8(ascii: "\n")])
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
