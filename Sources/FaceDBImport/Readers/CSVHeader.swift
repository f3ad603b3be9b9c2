import FaceDBCore

/// The columns named by a CSV header line: `identity`, optional `face_id` and `metadata`, and, in
/// embedding files, `e0` … `e{d-1}`. Shared by ``CSVReader`` and ``LabelsReader``.
struct CSVHeader {
    /// The number of fields in the header.
    var count: Int
    /// Field index of `identity`.
    var identity: Int
    /// Field index of `face_id`, if present.
    var faceID: Int?
    /// Field index of `metadata`, if present.
    var metadata: Int?
    /// `embedding[k]` is the field index of column `e{k}` (empty unless embeddings are allowed).
    var embedding: [Int]

    /// Reads and checks the header line.
    /// - Parameters:
    ///   - embeddings: whether `e0`, `e1`, … columns are expected (and required).
    ///   - example: the header line the error's remedy shows.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` naming the file and what is wrong.
    static func read(from records: inout CSVRecordReader, path: String, embeddings: Bool, example: String) throws -> CSVHeader {
        let name = EmbeddingFiles.fileName(of: path)
        func fail(_ problem: String) -> FaceDBError {
            FaceDBError(
                .invalidArgument, "The header of \(name) \(problem).",
                remedy: "Start the file with a header line such as \(example) (face_id and metadata are optional).",
                path: path)
        }
        guard let header = try records.next() else { throw fail("is missing: the file is empty") }
        guard case .success(let names) = header.fields else { throw fail("is malformed") }
        var identity: Int?
        var faceID: Int?
        var metadata: Int?
        var embedding = [Int: Int]()
        func once(_ slot: inout Int?, _ i: Int, _ column: String) throws {
            guard slot == nil else { throw fail("has the column \(column) twice") }
            slot = i
        }
        for (i, raw) in names.enumerated() {
            let column = String(RowFields.trim(raw))
            switch column {
            case "identity": try once(&identity, i, column)
            case "face_id": try once(&faceID, i, column)
            case "metadata": try once(&metadata, i, column)
            default:
                guard embeddings, let k = embeddingIndex(column) else {
                    let known = embeddings ? "identity, face_id, metadata and e0, e1, …" : "identity, face_id and metadata"
                    throw fail("has an unknown column \"\(RowFields.clip(column))\"; the columns are \(known)")
                }
                guard embedding[k] == nil else { throw fail("has the column \(column) twice") }
                embedding[k] = i
            }
        }
        guard let identity else { throw fail("has no identity column") }
        if embeddings {
            guard !embedding.isEmpty else { throw fail("has no embedding columns e0, e1, …") }
            if let missing = (0..<embedding.count).first(where: { embedding[$0] == nil }) {
                throw fail("has \(embedding.count) embedding columns but no e\(missing); they must be e0 to e\(embedding.count - 1)")
            }
        }
        return CSVHeader(
            count: names.count, identity: identity, faceID: faceID, metadata: metadata,
            embedding: (0..<embedding.count).map { embedding[$0]! })
    }

    /// `k` for a column named `e{k}` (decimal, no leading zeros), nil for any other name.
    static func embeddingIndex(_ name: String) -> Int? {
        guard name.first == "e" else { return nil }
        let digits = name.dropFirst()
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }), digits == "0" || digits.first != "0",
            let k = Int(digits), k < EmbeddingSpace.maximumDimension
        else { return nil }
        return k
    }
}
