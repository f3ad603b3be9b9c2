import FaceDBCore

/// Reads JSON Lines embedding rows, one object per line:
/// `{"identity": "alice", "embedding": [0.1, ...], "face_id": 7, "metadata": {"camera": "door"}}`
/// (`face_id` and `metadata` optional). Blank lines are skipped; a line that is not such an object
/// is rejected with the reason, and reading goes on.
public struct JSONLinesReader: EmbeddingSource {
    /// Always nil: JSON Lines has no header.
    public var dimension: Int? { nil }
    /// Always nil: the number of lines is not known up front.
    public var totalRows: Int? { nil }
    /// How many bytes of the file have been consumed.
    public var bytesRead: Int { file.position }
    /// The file's size.
    public var totalBytes: Int? { file.size }
    /// The consumed prefix of the file.
    public var consumed: [FilePrefix] { [file.consumed] }

    /// The keys a row may have.
    static let keys = ["identity", "embedding", "face_id", "metadata"]

    private let file: ChunkedFile

    /// Opens `path`.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    public init(path: String) throws {
        file = try ChunkedFile(path: path)
    }

    /// The next row or rejected line (its ``ImportRow/row`` is the line number); nil at the end.
    /// - Throws: ``FaceDBError/Code/io`` when reading fails, ``FaceDBError/Code/invalidArgument``
    ///   for a line longer than the reader accepts.
    public mutating func next() throws -> ImportItem? {
        while let line = try file.readLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let number = file.lineNumber
            do throws(Rejection) {
                return .row(try Self.row(from: line, number: number))
            } catch {
                return .rejected(RejectedRow(row: number, reason: error.reason))
            }
        }
        return nil
    }

    private static func row(from line: [UInt8], number: Int) throws(Rejection) -> ImportRow {
        guard case .object(let members) = try JSONParser.parse(line).get() else {
            throw Rejection("the line must be a JSON object with \"identity\" and \"embedding\"")
        }
        if let unknown = members.first(where: { !keys.contains($0.key) }) {
            throw Rejection("unknown key \"\(RowFields.clip(unknown.key))\"; the keys are identity, embedding, face_id and metadata")
        }
        func member(_ key: String) -> JSONNode? { members.first { $0.key == key }?.value }
        return ImportRow(
            row: number,
            identity: try RowFields.identity(json: member("identity")),
            faceID: try RowFields.faceID(json: member("face_id")),
            embedding: try RowFields.embedding(json: member("embedding")),
            metadata: try RowFields.metadata(json: member("metadata")))
    }
}
