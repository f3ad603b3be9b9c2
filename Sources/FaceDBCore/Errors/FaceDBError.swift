/// The one error type of FaceDB.
///
/// Every error carries a ``Code`` (extensible, so that matching on it keeps working when new codes
/// appear), a ``message`` that says what is wrong, a ``remedy`` that says what to do about it, and
/// structured fields (``expectedDimension``, ``givenDimension``, ``identity``, ``faceID``, ``path``)
/// for programs that react to errors.
///
/// ```swift
/// do { try db.addFaces(...) }
/// catch let error as FaceDBError where error.code == .dimensionMismatch {
///     print(error.expectedDimension!, error.givenDimension!)
/// }
/// ```
public struct FaceDBError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added in later versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name of the code, e.g. `"dimension-mismatch"`.
        public let name: String
        /// Makes a code from its stable name.
        public init(_ name: String) { self.name = name }
        /// The stable name.
        public var description: String { name }

        /// A vector's dimension differs from the database's embedding space.
        public static let dimensionMismatch = Code("dimension-mismatch")
        /// A vector holds NaN or an infinity, or is zero where it must be normalized.
        public static let invalidVector = Code("invalid-vector")
        /// An argument is malformed (empty identity id, bad option value, ...).
        public static let invalidArgument = Code("invalid-argument")
        /// An identity id is not in the database.
        public static let unknownIdentity = Code("unknown-identity")
        /// A face id is not in the database.
        public static let unknownFace = Code("unknown-face")
        /// An identity or face with that id is already stored.
        public static let alreadyExists = Code("already-exists")
        /// The directory is not a FaceDB database.
        public static let notADatabase = Code("not-a-database")
        /// A database already exists where one was to be created.
        public static let databaseExists = Code("database-exists")
        /// The database was written by a newer FaceDB (or an unknown format).
        public static let unsupportedFormat = Code("unsupported-format")
        /// The database is bound to another model or embedding space than the one asked for.
        public static let modelMismatch = Code("model-mismatch")
        /// Another process holds the database open.
        public static let databaseLocked = Code("database-locked")
        /// Stored data failed an integrity check.
        public static let corruption = Code("corruption")
        /// The file system failed (permissions, a missing file, ...).
        public static let io = Code("io")
        /// The disk has no room for a write; nothing was written (see `DiskSpace`).
        public static let diskFull = Code("disk-full")
        /// A write was asked of a database opened read-only.
        public static let readOnly = Code("read-only")
        /// The index could not do what was asked (FAISS reported an error).
        public static let indexFailure = Code("index-failure")
        /// The storage engine failed in a way not covered by a more specific code.
        public static let storageFailure = Code("storage-failure")
        /// The database was closed.
        public static let closed = Code("closed")
        /// An operation is not supported for this configuration.
        public static let unsupported = Code("unsupported")
        /// The database holds no faces, so there is nothing to search or calibrate on.
        public static let emptyDatabase = Code("empty-database")
        /// There is too little data for what was asked (e.g. a false-match rate that needs more impostor pairs).
        public static let insufficientData = Code("insufficient-data")
        /// The task awaiting an async call was cancelled; the call stopped at a batch boundary.
        /// What was written before stays written (an import can be run again to resume).
        public static let cancelled = Code("cancelled")
        /// An output path would destroy something: it is a directory, a symbolic link, a file inside
        /// a database, one of the command's inputs, or an existing file without `--force`.
        public static let refusedOutput = Code("refused-output")
        /// The database is encrypted and no key was given.
        public static let keyRequired = Code("key-required")
        /// The key given does not open the database (or a key was given for an unencrypted one).
        public static let wrongKey = Code("wrong-key")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What is wrong, in one sentence.
    public var message: String
    /// What to do about it.
    public var remedy: String?
    /// The dimension the database expects, for dimension errors.
    public var expectedDimension: Int?
    /// The dimension that was given, for dimension errors.
    public var givenDimension: Int?
    /// The identity concerned, if any.
    public var identity: String?
    /// The face concerned, if any.
    public var faceID: FaceID?
    /// The file or directory concerned, if any.
    public var path: String?
    /// The lower layer's own message (RocksDB, FAISS, the OS), kept for diagnosis only.
    public var cause: String?

    /// Makes an error.
    public init(
        _ code: Code, _ message: String, remedy: String? = nil,
        expectedDimension: Int? = nil, givenDimension: Int? = nil,
        identity: String? = nil, faceID: FaceID? = nil, path: String? = nil, cause: String? = nil
    ) {
        self.code = code
        self.message = message
        self.remedy = remedy
        self.expectedDimension = expectedDimension
        self.givenDimension = givenDimension
        self.identity = identity
        self.faceID = faceID
        self.path = path
        self.cause = cause
    }

    /// `message`, then the remedy and the cause when present.
    public var description: String {
        var text = "\(message)"
        if let remedy { text += " \(remedy)" }
        if let cause { text += " (cause: \(cause))" }
        return text
    }
}

extension FaceDBError {
    /// A vector of the wrong length for the embedding space.
    public static func dimensionMismatch(expected: Int, given: Int, what: String = "embedding") -> FaceDBError {
        FaceDBError(
            .dimensionMismatch,
            "The \(what) has \(given) dimensions but this database stores \(expected)-dimensional embeddings.",
            remedy: "Use embeddings from the model the database was created for, or create another database with --dim \(given).",
            expectedDimension: expected, givenDimension: given)
    }

    /// An identity that is not stored.
    public static func unknownIdentity(_ id: String) -> FaceDBError {
        FaceDBError(
            .unknownIdentity, "No identity with id '\(id)' is stored.",
            remedy: "Check the id (ids are case-sensitive), or add the identity first.", identity: id)
    }

    /// A face that is not stored.
    public static func unknownFace(_ id: FaceID) -> FaceDBError {
        FaceDBError(
            .unknownFace, "No face with id \(id.rawValue) is stored.",
            remedy: "List the identity's faces to find the right id.", faceID: id)
    }
}
