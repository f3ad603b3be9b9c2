import FaceDBCore

/// A file of embeddings read one row at a time, in constant memory.
///
/// ```swift
/// var source = try EmbeddingFiles.open(path: "faces.npy", labels: "labels.txt")
/// while let item = try source.next() { ... }
/// ```
public protocol EmbeddingSource {
    /// The embedding dimension, when the format states it up front (a header); nil otherwise.
    var dimension: Int? { get }
    /// The number of rows, when the format states it up front; nil otherwise. For progress only.
    var totalRows: Int? { get }
    /// How many bytes of the file have been consumed so far.
    var bytesRead: Int { get }
    /// The size of the file in bytes, when known.
    var totalBytes: Int? { get }
    /// What the rows returned so far were read from, for resuming (see ``ImportMark``): the
    /// embedding file's consumed prefix, then the labels file's if there is one. Empty (the
    /// default) when the source does not track it; its imports then always start at the first row.
    var consumed: [FilePrefix] { get }
    /// The next row, a rejected row, or nil at the end of the file.
    ///
    /// A bad row is returned as ``ImportItem/rejected(_:)`` and reading goes on.
    /// - Throws: ``FaceDBError`` only when the rest of the file cannot be read: truncated binary
    ///   data, a header that does not match the file, labels that do not match the rows, I/O failure.
    mutating func next() throws -> ImportItem?
}

extension EmbeddingSource {
    /// Not tracked: an import of such a source is not resumable.
    public var consumed: [FilePrefix] { [] }
}

/// Opens embedding files by their extension.
public enum EmbeddingFiles {
    /// The extensions ``open(path:labels:)`` understands (lowercase, without the dot).
    public static let supportedExtensions = ["npy", "fvecs", "jsonl", "ndjson", "csv"]

    /// Opens `path` with the reader its extension calls for.
    ///
    /// - Parameters:
    ///   - path: a `.npy`, `.fvecs`, `.jsonl`/`.ndjson` or `.csv` file.
    ///   - labels: the labels file giving the identities of `.npy` and `.fvecs` rows (see
    ///     ``LabelsReader``); must be nil for JSON Lines and CSV, which carry their identities.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an unknown extension or a missing or
    ///   superfluous labels file, and whatever the reader throws when opening.
    public static func open(path: String, labels: String?) throws -> any EmbeddingSource {
        let name = fileName(of: path)
        let ext = fileExtension(of: path)
        switch ext {
        case "npy", "fvecs":
            guard let labels else {
                throw FaceDBError(
                    .invalidArgument, "\(name) holds only vectors; a labels file is needed for the identities.",
                    remedy: "Give a labels file (--labels) with one identity per line, or a CSV/JSONL with an identity column.",
                    path: path)
            }
            let labelsReader = try LabelsReader(path: labels)
            if ext == "npy" { return try NpyReader(path: path, labels: labelsReader) }
            return try FvecsReader(path: path, labels: labelsReader)
        case "jsonl", "ndjson", "csv":
            if labels != nil {
                throw FaceDBError(
                    .invalidArgument, "\(name) carries its own identities; a labels file applies only to .npy and .fvecs files.",
                    remedy: "Leave out the labels file (--labels).", path: path)
            }
            if ext == "csv" { return try CSVReader(path: path) }
            return try JSONLinesReader(path: path)
        default:
            throw FaceDBError(
                .invalidArgument,
                "\(name) has an unsupported format; supported are .npy, .fvecs (each with a labels file), .jsonl/.ndjson and .csv.",
                remedy: "Convert the file to one of these formats, or rename it if it has the wrong extension.", path: path)
        }
    }

    /// The last path component, for messages.
    static func fileName(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// The lowercased extension of the last path component, or "" when it has none.
    static func fileExtension(of path: String) -> String {
        let name = fileName(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
