import FaceDBCore
import Foundation

/// Writes embeddings as the NumPy files Milvus's bulk insert reads, one file per field of the
/// collection, into a directory:
///
/// | file | field | NumPy type |
/// |---|---|---|
/// | `id.npy` | `id`, INT64 primary key (the face id) | `<i8`, `(n,)` |
/// | `identity.npy` | `identity`, VARCHAR | `<U{L}`, `(n,)` |
/// | `embedding.npy` | `embedding`, FLOAT_VECTOR(d) | `<f4`, `(n, d)` |
/// | `metadata.npy` | `metadata`, JSON (as text; `{}` when none) | `<U{M}`, `(n,)` |
///
/// plus `schema.json`, the collection to create before the bulk insert. NumPy's fixed-width
/// unicode arrays need the longest string up front: `identityLength` and `metadataLength` count
/// Unicode scalars (the exporter measures them in a first pass).
public struct MilvusWriter: EmbeddingSink {
    private let directory: String
    private let ids: NpyArrayWriter
    private let identities: NpyArrayWriter
    private let embeddings: NpyArrayWriter
    private let metadata: NpyArrayWriter
    private let identityLength: Int
    private let metadataLength: Int
    private var cell = [UInt8]()

    /// The names of the files written in the directory.
    public static let fileNames = ["id.npy", "identity.npy", "embedding.npy", "metadata.npy", "schema.json"]

    /// The text stored in `metadata.npy` for a face's metadata.
    public static func metadataText(_ value: JSONValue?) -> String { value?.description ?? "{}" }

    /// Creates `directory` (if needed) with the four field files and `schema.json`.
    /// - Parameter metric: the database's metric, recorded in `schema.json` for the index to create.
    public init(directory: String, dimension: Int, metric: Metric, identityLength: Int, metadataLength: Int) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FaceDBError(
                .io, "Cannot create the export directory \(directory): \(error.localizedDescription).",
                remedy: "Check the path and its permissions.", path: directory)
        }
        self.directory = directory
        self.identityLength = max(identityLength, 1)
        self.metadataLength = max(metadataLength, 2)
        ids = try NpyArrayWriter(path: directory + "/id.npy", descr: "<i8", rowShape: [])
        identities = try NpyArrayWriter(path: directory + "/identity.npy", descr: "<U\(self.identityLength)", rowShape: [])
        embeddings = try NpyArrayWriter(path: directory + "/embedding.npy", descr: "<f4", rowShape: [dimension])
        metadata = try NpyArrayWriter(path: directory + "/metadata.npy", descr: "<U\(self.metadataLength)", rowShape: [])
        let milvusMetric = metric == .l2 ? "L2" : metric == .cosine ? "COSINE" : "IP"
        let schema = """
            {
              "description": "FaceDB export: one entity per face. Create this collection, then bulk-insert the four .npy files.",
              "fields": [
                {"name": "id", "type": "INT64", "is_primary": true, "auto_id": false},
                {"name": "identity", "type": "VARCHAR", "max_length": \(max(4 * self.identityLength, 1))},
                {"name": "embedding", "type": "FLOAT_VECTOR", "dim": \(dimension)},
                {"name": "metadata", "type": "JSON"}
              ],
              "index": {"field": "embedding", "metric_type": "\(milvusMetric)"}
            }

            """
        let schemaFile = try OutputFile(path: directory + "/schema.json")
        try schemaFile.write(schema)
        try schemaFile.commit()
    }

    /// Appends one face to the four files.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when a string is longer than declared, or a
    ///   face has no id.
    public mutating func write(_ row: ImportRow) throws {
        guard let id = row.faceID else {
            throw FaceDBError(
                .invalidArgument, "A Milvus export needs every face's id (the primary key).",
                remedy: "Export rows read from the database, which all have ids.")
        }
        var value = id.littleEndian
        try withUnsafeBytes(of: &value) { try ids.file.write($0) }
        ids.didWriteRow()
        try writeString(row.identity, length: identityLength, to: identities)
        try embeddings.file.write(floats: row.embedding)
        embeddings.didWriteRow()
        try writeString(Self.metadataText(row.metadata), length: metadataLength, to: metadata)
    }

    /// Completes the four files.
    public mutating func finish() throws -> [String] {
        for array in [ids, identities, embeddings, metadata] { try array.finish() }
        return Self.fileNames.map { directory + "/" + $0 }
    }

    /// Appends `text` as one fixed-width UTF-32LE cell of `length` scalars, zero-padded.
    private mutating func writeString(_ text: String, length: Int, to array: NpyArrayWriter) throws {
        let scalars = text.unicodeScalars
        guard scalars.count <= length else {
            throw FaceDBError(
                .invalidArgument, "\"\(text.prefix(40))\" is longer than the \(length) characters declared for its Milvus field.",
                remedy: "Measure the longest identity and metadata first (the exporter does).")
        }
        cell.removeAll(keepingCapacity: true)
        for scalar in scalars {
            let v = scalar.value
            cell += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        cell += [UInt8](repeating: 0, count: 4 * (length - scalars.count))
        try array.file.write(cell)
        array.didWriteRow()
    }
}
