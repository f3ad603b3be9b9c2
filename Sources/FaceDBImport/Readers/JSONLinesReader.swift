import FaceDBCore

/// Reads JSON Lines embedding rows, one object per line:
/// `{"identity": "alice", "embedding": [0.1, ...], "face_id": 7, "metadata": {"camera": "door"}}`
/// (`face_id`, `metadata` and `source` optional). A database dump (`Schemas/dump.schema.json`)
/// adds a first line `{"kind": "database", ...}` and identity lines `{"kind": "identity", ...}`.
/// Blank lines are skipped; a line that is not such an object is rejected with the reason, and
/// reading goes on.
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

    /// The keys a face line may have.
    static let keys = ["kind", "identity", "embedding", "face_id", "metadata", "source"]
    /// The keys of a dump's identity line.
    static let identityKeys = ["kind", "identity", "display_name", "galleries", "metadata"]
    /// The keys of a dump's first line.
    static let databaseKeys = ["kind", "format", "version", "space", "index", "calibration"]

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
                return try Self.item(from: line, number: number)
            } catch {
                return .rejected(RejectedRow(row: number, reason: error.reason))
            }
        }
        return nil
    }

    private static func item(from line: [UInt8], number: Int) throws(Rejection) -> ImportItem {
        guard case .object(let members) = try JSONParser.parse(line).get() else {
            throw Rejection("the line must be a JSON object with \"identity\" and \"embedding\"")
        }
        func member(_ key: String) -> JSONNode? { members.first { $0.key == key }?.value }
        let kind: String
        switch member("kind") {
        case nil: kind = "face"
        case .string(let text)?: kind = text
        case let other?: throw Rejection("\"kind\" must be \"face\", \"identity\" or \"database\", not \(other.kindDescription)")
        }
        let allowed: [String]
        switch kind {
        case "face": allowed = keys
        case "identity": allowed = identityKeys
        case "database": allowed = databaseKeys
        default: throw Rejection("\"kind\" must be \"face\", \"identity\" or \"database\", not \"\(RowFields.clip(kind))\"")
        }
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw Rejection(
                "unknown key \"\(RowFields.clip(unknown.key))\" in \(kind == "identity" ? "an" : "a") \(kind) line; the keys are \(allowed.dropFirst().joined(separator: ", "))"
            )
        }
        switch kind {
        case "identity":
            return .identity(
                IdentityRow(
                    row: number, identity: try RowFields.identity(json: member("identity")),
                    displayName: try RowFields.text(json: member("display_name"), key: "display_name"),
                    galleries: try RowFields.strings(json: member("galleries"), key: "galleries"),
                    metadata: try RowFields.metadata(json: member("metadata")) ?? .emptyObject))
        case "database":
            guard case .string("facedb-dump")? = member("format") else {
                throw Rejection("a database line must have \"format\": \"facedb-dump\"")
            }
            guard case .number(let text)? = member("version"), let version = Int(text), version == DumpHeader.version else {
                throw Rejection("this FaceDB reads dumps of version \(DumpHeader.version); upgrade FaceDB to read this one")
            }
            return .database(
                DumpHeader(
                    row: number, space: try RowFields.decoded(EmbeddingSpace.self, json: member("space"), key: "space"),
                    index: try member("index").map { node throws(Rejection) in
                        try RowFields.decoded(IndexConfiguration.self, json: node, key: "index")
                    },
                    calibration: member("calibration")?.jsonValue, version: version))
        default:
            return .row(
                ImportRow(
                    row: number,
                    identity: try RowFields.identity(json: member("identity")),
                    faceID: try RowFields.faceID(json: member("face_id")),
                    embedding: try RowFields.embedding(json: member("embedding")),
                    metadata: try RowFields.metadata(json: member("metadata")),
                    source: try member("source").map { node throws(Rejection) in try RowFields.decoded(FaceSource.self, json: node, key: "source") }))
        }
    }
}
