import FaceDBCore

/// Reads CSV embedding rows under a header naming the columns:
/// `identity,face_id,e0,e1,…,e127` (`face_id` and a `metadata` column of JSON object text are
/// optional; the embedding columns must be exactly `e0` to `e{d-1}`, which fixes the dimension).
///
/// Fields may be quoted (`"Zoë, Ångström"`, a quote doubled inside quotes); lines may end in
/// `\n` or `\r\n`; a UTF-8 byte order mark is skipped. Blank lines are skipped; a row with the
/// wrong number of fields or a value that is not a number is rejected, and reading goes on.
public struct CSVReader: EmbeddingSource {
    /// The number of `e` columns in the header.
    public let dimension: Int?
    /// Always nil: the number of rows is not known up front.
    public var totalRows: Int? { nil }
    /// How many bytes of the file have been consumed.
    public var bytesRead: Int { file.position }
    /// The file's size.
    public var totalBytes: Int? { file.size }

    private let file: ChunkedFile
    private var records: CSVRecordReader
    private var columnCount = 0
    private var identityColumn = 0
    private var faceIDColumn: Int?
    private var metadataColumn: Int?
    /// `embeddingColumns[k]` is the field index of column `e{k}`.
    private var embeddingColumns = [Int]()

    /// Opens `path` and reads its header.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a missing or malformed header,
    ///   ``FaceDBError/Code/io`` when the file cannot be read.
    public init(path: String) throws {
        file = try ChunkedFile(path: path)
        records = CSVRecordReader(file: file)
        let name = EmbeddingFiles.fileName(of: path)
        func fail(_ problem: String) -> FaceDBError {
            FaceDBError(.invalidArgument, "The header of \(name) \(problem).",
                        remedy: "Start the file with a header line identity,face_id,e0,e1,…,e{d-1} (face_id and metadata columns are optional).",
                        path: path)
        }
        guard let header = try records.next() else { throw fail("is missing: the file is empty") }
        guard case .success(let names) = header.fields else { throw fail("is malformed") }
        var identity: Int?
        var embedding = [Int: Int]()
        for (i, raw) in names.enumerated() {
            let column = String(RowFields.trim(raw))
            switch column {
            case "identity":
                guard identity == nil else { throw fail("has the column identity twice") }
                identity = i
            case "face_id":
                guard faceIDColumn == nil else { throw fail("has the column face_id twice") }
                faceIDColumn = i
            case "metadata":
                guard metadataColumn == nil else { throw fail("has the column metadata twice") }
                metadataColumn = i
            default:
                guard let k = Self.embeddingIndex(column) else {
                    throw fail("has an unknown column \"\(RowFields.clip(column))\"; the columns are identity, face_id, metadata and e0, e1, …")
                }
                guard embedding[k] == nil else { throw fail("has the column \(column) twice") }
                embedding[k] = i
            }
        }
        guard let identity else { throw fail("has no identity column") }
        guard !embedding.isEmpty else { throw fail("has no embedding columns e0, e1, …") }
        if let missing = (0..<embedding.count).first(where: { embedding[$0] == nil }) {
            throw fail("has \(embedding.count) embedding columns but no e\(missing); they must be e0 to e\(embedding.count - 1)")
        }
        identityColumn = identity
        columnCount = names.count
        embeddingColumns = (0..<embedding.count).map { embedding[$0]! }
        dimension = embedding.count
    }

    /// The next row or rejected row (its ``ImportRow/row`` is the line it starts on); nil at the end.
    /// - Throws: ``FaceDBError/Code/io`` when reading fails.
    public mutating func next() throws -> ImportItem? {
        while let record = try records.next() {
            if record.isBlank { continue }
            do throws(Rejection) {
                return .row(try row(from: record))
            } catch {
                return .rejected(RejectedRow(row: record.line, reason: error.reason))
            }
        }
        return nil
    }

    private func row(from record: CSVRecord) throws(Rejection) -> ImportRow {
        let fields = try record.fields.get()
        guard fields.count == columnCount else {
            throw Rejection("the row has \(fields.count) fields, the header has \(columnCount)")
        }
        var embedding = [Float]()
        embedding.reserveCapacity(embeddingColumns.count)
        for (k, column) in embeddingColumns.enumerated() {
            embedding.append(try RowFields.component(text: fields[column], column: "e\(k)"))
        }
        var row = ImportRow(row: record.line, identity: try RowFields.identity(text: fields[identityColumn]), embedding: embedding)
        if let i = faceIDColumn { row.faceID = try RowFields.faceID(text: fields[i]) }
        if let i = metadataColumn { row.metadata = try RowFields.metadata(text: fields[i]) }
        return row
    }

    /// `k` for a column named `e{k}` (decimal, no leading zeros), nil for any other name.
    private static func embeddingIndex(_ name: String) -> Int? {
        guard name.first == "e" else { return nil }
        let digits = name.dropFirst()
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }), digits == "0" || digits.first != "0",
              let k = Int(digits), k < EmbeddingSpace.maximumDimension else { return nil }
        return k
    }
}
