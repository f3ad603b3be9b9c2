import CRocksDB
import FaceDBCore

/// The status classes of RocksDB's `Status::ToString()`, recovered from the fixed prefix that the
/// C API leaves at the start of every error message (the only structured part it keeps).
enum RocksStatus: Equatable {
    case notFound, corruption, notSupported, invalidArgument, ioError, mergeInProgress
    case incomplete, shutdownInProgress, timedOut, aborted, busy, expired, tryAgain
    case compactionTooLarge, columnFamilyDropped, unknown

    /// The prefix table of `rocksdb::Status::ToString()`.
    private static let prefixes: [(String, RocksStatus)] = [
        ("NotFound", .notFound), ("Corruption", .corruption), ("Not implemented", .notSupported),
        ("Invalid argument", .invalidArgument), ("IO error", .ioError),
        ("Merge in progress", .mergeInProgress), ("Result incomplete", .incomplete),
        ("Shutdown in progress", .shutdownInProgress), ("Operation timed out", .timedOut),
        ("Operation aborted", .aborted), ("Resource busy", .busy), ("Operation expired", .expired),
        ("Operation failed. Try again.", .tryAgain), ("Compaction too large", .compactionTooLarge),
        ("Column family dropped", .columnFamilyDropped),
    ]

    /// Classifies a RocksDB error message by its status prefix.
    init(message: String) {
        self = Self.prefixes.first { message.hasPrefix($0.0) }?.1 ?? .unknown
    }

    /// The FaceDB error code this status maps to.
    var code: FaceDBError.Code {
        switch self {
        case .corruption: return .corruption
        case .ioError: return .io
        case .notFound: return .notADatabase
        default: return .storageFailure
        }
    }
}

/// Runs a RocksDB C call that reports failure through `char** errptr`, frees the message and
/// throws it as a ``FaceDBError``. The one place RocksDB errors are mapped.
///
/// - Parameters:
///   - what: what was being done, for the message ("opening the store").
///   - path: the database directory, for the error.
func withRocksError<T>(
    _ what: String, path: String? = nil, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T
) throws -> T {
    var err: UnsafeMutablePointer<CChar>? = nil
    let result = body(&err)
    if let err {
        let text = String(cString: err)
        rocksdb_free(err)
        throw rocksError(what, message: text, path: path)
    }
    return result
}

/// Builds the ``FaceDBError`` for a RocksDB failure message.
func rocksError(_ what: String, message: String, path: String?) -> FaceDBError {
    let status = RocksStatus(message: message)
    let remedy: String
    switch status {
    case .corruption:
        remedy = "The store's files are damaged; restore the database directory from a backup."
    case .ioError:
        remedy = "Check that the directory exists, is writable and that the disk is not full."
    default:
        remedy = "See the cause; if it persists, report it with the database's LOG file."
    }
    return FaceDBError(status.code, "RocksDB failed while \(what).", remedy: remedy, path: path, cause: message)
}
