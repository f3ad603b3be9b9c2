import FaceDBCore

/// Reads the sidecar labels file that gives the identities of `.npy` and `.fvecs` rows, one label
/// per row in row order.
///
/// Formats, chosen by extension:
/// - `.txt`, `.labels`: one identity per line, taken as is.
/// - `.csv`: a header with an `identity` column and optional `face_id` and `metadata` (JSON object
///   text) columns, then one row per vector.
/// - `.jsonl`, `.ndjson`: one object per line, `{"identity": ..., "face_id"?: ..., "metadata"?: {...}}`.
///
/// A malformed label rejects that row only; every line (CSV: every row) counts as one label, so
/// labels stay aligned with the rows.
public struct LabelsReader {
    /// The layout of a labels file.
    public enum Format: String, Sendable, CaseIterable {
        /// One identity per line.
        case plain
        /// CSV with an `identity` column and optional `face_id` and `metadata` columns.
        case csv
        /// One JSON object per line.
        case jsonLines
    }

    /// What one label gives a row.
    public struct Label: Sendable, Hashable {
        /// The identity id.
        public var identity: String
        /// The face id, if given.
        public var faceID: Int64?
        /// The metadata (a JSON object), if given.
        public var metadata: JSONValue?

        /// Makes a label.
        public init(identity: String, faceID: Int64? = nil, metadata: JSONValue? = nil) {
            self.identity = identity
            self.faceID = faceID
            self.metadata = metadata
        }
    }

    /// One label, or why the label line is malformed.
    public enum Item: Sendable {
        /// A well-formed label.
        case label(Label)
        /// A malformed label; the row it belongs to is rejected for this reason.
        case rejected(reason: String)
    }

    /// The labels file's path.
    public let path: String
    /// The file's layout.
    public let format: Format
    /// How many labels have been read so far.
    public private(set) var count = 0
    /// The bytes of the file read for the labels so far (see ``ChunkedFile/consumed``).
    public var consumed: FilePrefix { file.consumed }

    private let file: ChunkedFile
    private var records: CSVRecordReader
    private var columns = CSVHeader(count: 1, identity: 0, faceID: nil, metadata: nil, embedding: [])

    /// Opens a labels file; the format comes from the extension unless given.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an unknown extension or a bad CSV header,
    ///   ``FaceDBError/Code/io`` when the file cannot be read.
    public init(path: String, format: Format? = nil) throws {
        self.path = path
        self.format = try format ?? Self.format(forPath: path)
        file = try ChunkedFile(path: path)
        records = CSVRecordReader(file: file)
        if self.format == .csv { try readHeader() }
    }

    /// The format a labels file's extension calls for.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an extension that is not a labels format.
    public static func format(forPath path: String) throws -> Format {
        switch EmbeddingFiles.fileExtension(of: path) {
        case "txt", "labels": return .plain
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonLines
        default:
            throw FaceDBError(
                .invalidArgument,
                "The labels file \(EmbeddingFiles.fileName(of: path)) has an unknown format; supported are .txt or .labels (one identity per line), .csv and .jsonl.",
                remedy: "Rename the file to the extension that matches its content.", path: path)
        }
    }

    /// The next label, or nil at the end of the file.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be read.
    public mutating func next() throws -> Item? {
        let item: Item
        let line: Int
        switch format {
        case .plain:
            guard let text = try file.readLine() else { return nil }
            (item, line) = (Self.plainLabel(text), file.lineNumber)
        case .jsonLines:
            guard let text = try file.readLine() else { return nil }
            (item, line) = (Self.jsonLabel(text), file.lineNumber)
        case .csv:
            guard let record = try records.next() else { return nil }
            (item, line) = (csvLabel(record), record.line)
        }
        count += 1
        if case .rejected(let reason) = item {
            return .rejected(reason: "line \(line) of \(EmbeddingFiles.fileName(of: path)): \(reason)")
        }
        return item
    }

    /// The label of `row` (1-based) of `rows` (nil when not known up front) in the file `source`.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when the labels run out before the rows.
    mutating func label(forRow row: Int, of rows: Int?, in source: String) throws -> Item {
        guard let item = try next() else {
            throw FaceDBError(
                .invalidArgument,
                "\(EmbeddingFiles.fileName(of: path)) has \(count) \(unit) but \(source) has \(rows.map(String.init) ?? "more") rows.",
                remedy: "Give exactly one label per row, in the order of the rows.", path: path)
        }
        return item
    }

    /// Checks that no labels are left after the last of `rows` rows of `source`.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` naming both counts when labels are left over.
    mutating func finish(rows: Int, in source: String) throws {
        guard try next() != nil else { return }
        while try next() != nil {}
        throw FaceDBError(
            .invalidArgument,
            "\(EmbeddingFiles.fileName(of: path)) has \(count) \(unit) but \(source) has only \(rows) rows.",
            remedy: "Give exactly one label per row, in the order of the rows.", path: path)
    }

    /// What one label is called in messages.
    private var unit: String { format == .csv ? "rows" : "lines" }

    private static func plainLabel(_ line: [UInt8]) -> Item {
        guard let text = String(validating: line, as: UTF8.self) else { return .rejected(reason: "the label line is not valid UTF-8") }
        do throws(Rejection) {
            return .label(Label(identity: try RowFields.identity(text: text)))
        } catch {
            return .rejected(reason: error.reason)
        }
    }

    private static func jsonLabel(_ line: [UInt8]) -> Item {
        do throws(Rejection) {
            guard case .object(let members) = try JSONParser.parse(line).get() else {
                throw Rejection("the label line must be a JSON object")
            }
            if let unknown = members.first(where: { !["identity", "face_id", "metadata"].contains($0.key) }) {
                throw Rejection("unknown key \"\(RowFields.clip(unknown.key))\"; the keys are identity, face_id and metadata")
            }
            func member(_ key: String) -> JSONNode? { members.first { $0.key == key }?.value }
            return .label(
                Label(
                    identity: try RowFields.identity(json: member("identity")),
                    faceID: try RowFields.faceID(json: member("face_id")),
                    metadata: try RowFields.metadata(json: member("metadata"))))
        } catch {
            return .rejected(reason: error.reason)
        }
    }

    private func csvLabel(_ record: CSVRecord) -> Item {
        do throws(Rejection) {
            let fields = try record.fields.get()
            guard fields.count == columns.count else {
                throw Rejection("the labels row has \(fields.count) fields, the header has \(columns.count)")
            }
            var label = Label(identity: try RowFields.identity(text: fields[columns.identity]))
            if let i = columns.faceID { label.faceID = try RowFields.faceID(text: fields[i]) }
            if let i = columns.metadata { label.metadata = try RowFields.metadata(text: fields[i]) }
            return .label(label)
        } catch {
            return .rejected(reason: error.reason)
        }
    }

    private mutating func readHeader() throws {
        columns = try CSVHeader.read(from: &records, path: path, embeddings: false, example: "identity,face_id,metadata")
    }
}
