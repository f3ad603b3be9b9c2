import CFaiss
import FaceDBCore

/// The one place where status codes of the FAISS shim (`fdb_faiss.h`) become ``FaceDBError``s.
///
/// The shim's message for the failure (`fdb_last_error()`) is kept in ``FaceDBError/cause`` for
/// diagnosis; decisions are made on the status code only, never on the message text.
enum FaissStatus {
    /// `FDB_OK`.
    static let ok = Int32(FDB_OK.rawValue)
    /// `FDB_ERR_INVALID_ARGUMENT`.
    static let invalidArgument = Int32(FDB_ERR_INVALID_ARGUMENT.rawValue)
    /// `FDB_ERR_FAISS`.
    static let faiss = Int32(FDB_ERR_FAISS.rawValue)
    /// `FDB_ERR_OUT_OF_MEMORY`.
    static let outOfMemory = Int32(FDB_ERR_OUT_OF_MEMORY.rawValue)
    /// `FDB_ERR_CORRUPT`.
    static let corrupt = Int32(FDB_ERR_CORRUPT.rawValue)
    /// `FDB_ERR_UNKNOWN`.
    static let unknown = Int32(FDB_ERR_UNKNOWN.rawValue)
    /// `FDB_ERR_OUTDATED`.
    static let outdated = Int32(FDB_ERR_OUTDATED.rawValue)
    /// `FDB_ERR_STOPPED`.
    static let stopped = Int32(FDB_ERR_STOPPED.rawValue)

    /// The error for a failed shim call, or `nil` for `FDB_OK`.
    ///
    /// - Parameters:
    ///   - status: what the shim returned.
    ///   - what: the action that failed, as a verb phrase: `"add 3 vectors"`.
    ///   - cause: the shim's message.
    static func error(for status: Int32, what: String, cause: String?) -> FaceDBError? {
        let cause = cause?.isEmpty == false ? cause : nil
        switch status {
        case ok:
            return nil
        case invalidArgument:
            return FaceDBError(
                .invalidArgument, "The vector index could not \(what): the request was rejected.",
                remedy: "Ids must be non-negative and unique, and vectors must match the index.", cause: cause)
        case outOfMemory:
            return FaceDBError(
                .indexFailure, "The vector index ran out of memory trying to \(what).",
                remedy: "Free memory, or choose a more compact index kind such as ivfpq.", cause: cause)
        case corrupt:
            return FaceDBError(
                .corruption, "The vector index could not \(what): the index data is damaged.",
                remedy: "Delete the index snapshot; the index is rebuilt from the store.", cause: cause)
        case outdated:
            return FaceDBError(
                .unsupportedFormat, "The vector index could not \(what): the index data is of an older layout.",
                remedy: "Delete the index snapshot; the index is rebuilt from the store (opening a database does this itself).",
                cause: cause)
        case stopped:
            return FaceDBError(
                .io, "The vector index could not \(what): writing its bytes stopped.",
                remedy: "Check the free disk space and the permissions of the database directory.", cause: cause)
        case faiss:
            return FaceDBError(
                .indexFailure, "FAISS failed to \(what).",
                remedy: "Rebuild the index (facedb reindex); the stored faces are not affected.", cause: cause)
        default:
            return FaceDBError(
                .indexFailure, "The vector index failed to \(what) (status \(status)).",
                remedy: "Rebuild the index (facedb reindex); the stored faces are not affected.", cause: cause)
        }
    }
}

/// Runs one shim call and throws the matching ``FaceDBError`` if it does not return `FDB_OK`.
///
/// - Parameters:
///   - what: the action, as a verb phrase for the message: `"search"`, `"add 3 vectors"`.
///   - body: the shim call; its return value is the status.
func withFaissStatus(_ what: @autoclosure () -> String, _ body: () -> Int32) throws {
    let status = body()
    if status == FaissStatus.ok { return }
    let cause = String(cString: fdb_last_error())
    throw FaissStatus.error(for: status, what: what(), cause: cause)!
}
