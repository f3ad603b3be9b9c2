import FaceDBCore
import Foundation

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

    /// `value` as compact JSON with sorted keys: the same value always gives the same bytes.
    static func canonicalJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Appends `value` as a JSON number in its shortest form that parses back to the same float
    /// (finite values only).
    static func appendJSON(_ value: Float, to out: inout [UInt8]) {
        out.append(contentsOf: "\(value)".utf8)
    }

    /// Appends one JSON Lines object of a row: `identity`, `face_id` when given, the `embedding`
    /// when asked for, and `metadata` when given (the rows of `.jsonl` files and of labels files).
    static func appendJSONLine(_ row: ImportRow, embedding: Bool, to line: inout [UInt8]) {
        line.append(contentsOf: #"{"identity":"#.utf8)
        RejectsWriter.appendJSONString(row.identity, to: &line)
        if let id = row.faceID {
            line.append(contentsOf: #","face_id":"#.utf8)
            line.append(contentsOf: String(id).utf8)
        }
        if embedding {
            line.append(contentsOf: #","embedding":["#.utf8)
            for (i, x) in row.embedding.enumerated() {
                if i > 0 { line.append(UInt8(ascii: ",")) }
                appendJSON(x, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        }
        if let metadata = row.metadata {
            line.append(contentsOf: #","metadata":"#.utf8)
            line.append(contentsOf: metadata.description.utf8)
        }
        if let source = row.source, let json = try? canonicalJSON(source) {
            line.append(contentsOf: #","source":"#.utf8)
            line.append(contentsOf: json)
        }
        line.append(contentsOf: "}\n".utf8)
    }
}
