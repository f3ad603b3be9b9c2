import Foundation

/// What ``FaceDatabase/backup(to:)`` wrote.
public struct BackupReport: Codable, Sendable, Hashable {
    /// How the store was copied.
    public enum Method: String, Codable, Sendable {
        /// A RocksDB checkpoint of a database open for writing (writes held meanwhile).
        case checkpoint
        /// A copy of the state a read-only handle sees (the writer, if any, goes on).
        case copy
    }

    /// The backup's directory.
    public var destination: String
    /// The store's change sequence the backup holds.
    public var sequence: UInt64
    /// Faces in the backup.
    public var faces: Int
    /// Identities in the backup.
    public var identities: Int
    /// Bytes of the backup's files.
    public var bytes: Int
    /// How long the backup took.
    public var seconds: Double
    /// How the store was copied.
    public var method: Method
}
