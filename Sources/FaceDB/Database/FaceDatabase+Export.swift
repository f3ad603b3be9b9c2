import FaceDBCore
import FaceDBImport
import Foundation

extension FaceDatabase {
    /// Writes every stored face (identity, face id, metadata, embedding as stored) in `format`.
    ///
    /// - `.npy`: `path` is the `.npy` file; its labels go to ``EmbeddingFiles/labelsPath(forNpy:)``.
    /// - `.jsonl`: `path` is the file, a whole dump of the database (`Schemas/dump.schema.json`): a
    ///   first line with the space, the index configuration and the operating point, a line per
    ///   identity (display name, galleries, metadata) in id order, then a line per face in face-id
    ///   order with its metadata and source (photo path, SHA-256, box, landmarks, quality).
    ///   Importing it into an empty database makes a database whose own dump is the same bytes.
    ///   (Creation times are not carried.)
    /// - `.csv`: `path` is the file.
    /// - `.milvus`: `path` is a directory (created if needed) of one NumPy file per field.
    ///
    /// Each file is written to a temporary file and renamed into place when complete, so a file
    /// already at a path is replaced whole or not at all. A directory where a file goes, a symbolic
    /// link, or a path inside this database is refused (``FaceDBError/Code/refusedOutput``) before
    /// anything is written; `facedb export` also refuses existing files without `--force`.
    ///
    /// The first three import back identically with ``importEmbeddings(from:options:progress:)``.
    /// Writes wait while an export runs, so the files hold one consistent state; searches do not wait.
    ///
    /// - Parameter progress: called with (faces written, faces stored) every few thousand faces.
    /// - Returns: the number of faces written and the paths of the files.
    @discardableResult
    public func export(
        format: ExportFormat, to path: String, progress: ((Int, Int) -> Void)? = nil
    ) throws -> ExportResult {
        try checkOpen()
        return try writeLock.withLock { _ in
            let paths = OutputPathGuard(databases: [self.path], force: true)
            if format == .milvus {
                try paths.checkDirectory(path, what: "The export directory")
            } else {
                for file in Self.exportFiles(format: format, path: path) { try paths.check(file, what: "The export file") }
            }
            var sink: any EmbeddingSink
            switch format {
            case .npy: sink = try NpyWriter(path: path, dimension: space.dimension)
            case .jsonl:
                var dump = try JSONLinesWriter(path: path)
                try dump.writeHeader(
                    space: space, index: store.indexConfiguration, calibration: try operatingPoint().map { try JSONValue.encoding($0) })
                try store.forEachIdentity { identity in
                    try dump.writeIdentity(identity)
                    return true
                }
                sink = dump
            case .csv: sink = try CSVWriter(path: path, dimension: space.dimension)
            case .milvus:
                var identityLength = 0
                var metadataLength = 0
                try store.forEachFace { face in
                    identityLength = max(identityLength, face.identity.unicodeScalars.count)
                    metadataLength = max(metadataLength, MilvusWriter.metadataText(face.metadata).unicodeScalars.count)
                    return true
                }
                sink = try MilvusWriter(
                    directory: path, dimension: space.dimension, metric: space.metric,
                    identityLength: identityLength, metadataLength: metadataLength)
            }
            let total = store.faceCount
            var written = 0
            try store.forEachFace { face in
                try sink.write(
                    ImportRow(
                        row: written + 1, identity: face.identity, faceID: face.id.rawValue,
                        embedding: face.embedding, metadata: face.metadata, source: face.source))
                written += 1
                if written % 4096 == 0 {
                    progress?(written, total)
                    try CancellationFlag.checkpoint()
                }
                return true
            }
            let files = try sink.finish()
            progress?(written, total)
            if !options.readOnly {
                try audit("export", counts: ["faces": written], details: ["format": "\(format)", "files": files.joined(separator: ", ")])
            }
            return ExportResult(faces: written, files: files)
        }
    }

    /// The files an export in `format` to `path` writes: the file, plus the labels file of `.npy`;
    /// for `.milvus`, the five files inside the directory `path`.
    public static func exportFiles(format: ExportFormat, path: String) -> [String] {
        switch format {
        case .npy: return [path, EmbeddingFiles.labelsPath(forNpy: path)]
        case .jsonl, .csv: return [path]
        case .milvus: return MilvusWriter.fileNames.map { (path.hasSuffix("/") ? path : path + "/") + $0 }
        }
    }
}
