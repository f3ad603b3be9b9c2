import FaceDB
import FaceDBCore

/// A parsed shell command, ready to run.
enum ShellRequest: Equatable {
    /// `identify`: options not given are nil and come from the session's settings.
    case identify(ShellEmbedding, k: Int?, fusion: ScoreFusion?, threshold: Float?, margin: Float?, galleries: [String])
    /// `verify` against an identity.
    case verifyIdentity(ShellEmbedding, identity: String, fusion: ScoreFusion?, threshold: Float?)
    /// `verify` of two embeddings.
    case verifyPair(ShellEmbedding, ShellEmbedding, threshold: Float?)
    /// `show`.
    case show(String)
    /// `list`.
    case list(prefix: String, limit: Int?)
    /// `find`.
    case find([ShellCondition], prefix: String, limit: Int?)
    /// `add identity`.
    case addIdentity(String, name: String?, metadata: JSONValue?, galleries: [String])
    /// `add face`.
    case addFaces(identity: String, ShellEmbedding, metadata: JSONValue?, create: Bool)
    /// `update identity`: fields not given are nil and stay as they are.
    case updateIdentity(String, name: String?, metadata: JSONValue?, galleries: [String]?)
    /// `rename identity`.
    case renameIdentity(String, to: String)
    /// `search face`.
    case searchFace(Int64, k: Int?, galleries: [String])
    /// `remove identity`.
    case removeIdentity(String)
    /// `remove face`.
    case removeFaces([Int64])
    /// `erase identity`.
    case eraseIdentity(String)
    /// `erase face`.
    case eraseFaces([Int64])
    /// `stats`.
    case stats
    /// `calibrate`.
    case calibrate(targetFMR: Double?, targetFPIR: Double?, seed: UInt64?, dryRun: Bool)
    /// `set` without arguments: show the settings.
    case showSettings
    /// `set NAME VALUE`.
    case set(String, String)
    /// `help` or `help COMMAND`.
    case help(String?)
    /// `quit`.
    case quit
}
