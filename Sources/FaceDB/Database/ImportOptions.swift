import FaceDBImport
import FaceDBStorage

/// How ``FaceDatabase/importEmbeddings(from:options:progress:)-20oi9`` stores the rows of a file.
public struct ImportOptions: Sendable {
    /// Rows per atomic write (and per index update). Default 32,768: big enough that each write is
    /// loaded as table files (see `FaceStore`'s bulk load), small enough that memory stays bounded.
    public var batchSize: Int
    /// What to do with a row whose face id is already stored: ``ExistingFacePolicy/skip``
    /// (the default, so an interrupted import can be re-run) or ``ExistingFacePolicy/replace``
    /// (`--upsert`).
    public var existing: ExistingFacePolicy
    /// Where rejected rows are written as JSON Lines (`{"row": N, "reason": "..."}`); nil keeps
    /// them only in the summary's count. The rows go to a temporary file put in place when the
    /// import ends (or stops), replacing a file already there; nothing is created when no row is
    /// rejected and no file is there. A directory, a symbolic link or a path inside the database
    /// is refused (``FaceDBError/Code/refusedOutput``) before anything is imported.
    public var rejectsPath: String?

    /// The files being imported (`EmbeddingFiles.resumeKey(path:labels:)`). When set, every batch
    /// stores an ``ImportMark``: the rows done and the bytes of the files they were read from. An
    /// import whose files start with the bytes of an earlier mark passes over that mark's rows, so
    /// an interrupted import of a file without face ids also completes without duplicates, a
    /// finished one is not imported twice, and rows appended to a finished file are imported alone.
    /// Nil: every row is imported and no mark is stored.
    public var resumeKey: ResumeKey?

    /// Options with the documented defaults.
    public init(
        batchSize: Int = 32_768, existing: ExistingFacePolicy = .skip, rejectsPath: String? = nil,
        resumeKey: ResumeKey? = nil
    ) {
        self.batchSize = batchSize
        self.existing = existing
        self.rejectsPath = rejectsPath
        self.resumeKey = resumeKey
    }
}

/// How far an import has come; passed to the progress callback after every batch.
public struct ImportProgress: Sendable {
    /// Rows read so far (stored, skipped or rejected).
    public var rows: Int
    /// The number of rows in the file, when its format says so up front (`.npy`, `.fvecs`).
    public var totalRows: Int?
    /// Bytes of the file consumed so far.
    public var bytesRead: Int
    /// The file's size in bytes, when known.
    public var totalBytes: Int?
    /// Once the rows are stored, while HNSW's efSearch is tuned for the index's new size (so that
    /// no search waits for it later): the tuning's steps done, and ``tuningSteps`` at most.
    public var tuningStep: Int? = nil
    /// How many steps the tuning takes at most (it stops at the first efSearch that reaches the target).
    public var tuningSteps: Int? = nil

    /// The fraction done, from rows when the total is known, else from bytes; nil when neither is.
    public var fraction: Double? {
        if let totalRows, totalRows > 0 { return min(1, Double(rows) / Double(totalRows)) }
        if let totalBytes, totalBytes > 0 { return min(1, Double(bytesRead) / Double(totalBytes)) }
        return nil
    }
}
