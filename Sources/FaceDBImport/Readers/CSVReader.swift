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
    /// The consumed prefix of the file.
    public var consumed: [FilePrefix] { [file.consumed] }

    private let file: ChunkedFile
    private var records: CSVRecordReader
    private var columns: CSVHeader

    /// Opens `path` and reads its header.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a missing or malformed header,
    ///   ``FaceDBError/Code/io`` when the file cannot be read.
    public init(path: String) throws {
        file = try ChunkedFile(path: path)
        records = CSVRecordReader(file: file)
        columns = try CSVHeader.read(from: &records, path: path, embeddings: true, example: "identity,face_id,e0,e1,…,e{d-1}")
        dimension = columns.embedding.count
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
        guard fields.count == columns.count else {
            throw Rejection("the row has \(fields.count) fields, the header has \(columns.count)")
        }
        var embedding = [Float]()
        embedding.reserveCapacity(columns.embedding.count)
        for (k, column) in columns.embedding.enumerated() {
            embedding.append(try RowFields.component(text: fields[column], column: "e\(k)"))
        }
        var row = ImportRow(row: record.line, identity: try RowFields.identity(text: fields[columns.identity]), embedding: embedding)
        if let i = columns.faceID { row.faceID = try RowFields.faceID(text: fields[i]) }
        if let i = columns.metadata { row.metadata = try RowFields.metadata(text: fields[i]) }
        return row
    }
}
