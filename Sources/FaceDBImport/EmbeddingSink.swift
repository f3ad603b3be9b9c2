import FaceDBCore

/// A file (or set of files) of embeddings written one row at a time: the export side of
/// ``EmbeddingSource``. Every format but ``ExportFormat/milvus`` is read back by
/// ``EmbeddingFiles/open(path:labels:)`` row for row.
public protocol EmbeddingSink {
    /// Appends one row (its ``ImportRow/row`` number is ignored).
    mutating func write(_ row: ImportRow) throws
    /// Completes the files; returns the paths written.
    mutating func finish() throws -> [String]
}

/// The formats `facedb export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// A float32 `.npy` of the embeddings plus a `.labels.jsonl` of identity, face id and metadata.
    case npy
    /// JSON Lines, one `{"identity", "face_id", "embedding", "metadata"?}` object per face.
    case jsonl
    /// CSV with the header `identity,face_id,metadata,e0,…`.
    case csv
    /// A directory of NumPy files, one per field (`id`, `identity`, `embedding`, `metadata`), as
    /// Milvus's bulk insert reads them, with the collection schema in `schema.json`.
    case milvus
}

extension EmbeddingFiles {
    /// Where the labels of an `.npy` export go: `faces.npy` → `faces.labels.jsonl`.
    public static func labelsPath(forNpy path: String) -> String {
        let stem = path.lowercased().hasSuffix(".npy") ? String(path.dropLast(4)) : path
        return stem + ".labels.jsonl"
    }

    /// Formats a float so that parsing the text gives the same float back (shortest round-trip form).
    static func text(_ value: Float) -> String { "\(value)" }

    /// Appends `value` as a JSON number (finite values only).
    static func appendJSON(_ value: Float, to out: inout [UInt8]) {
        out.append(contentsOf: text(value).utf8)
    }
}
