import FaceDBCore
import FaceDBStorage

/// Encryption at rest: a database created with ``DatabaseOptions/key`` keeps its embeddings,
/// face and identity metadata, names, provenance and index snapshot AES-256-GCM encrypted
/// (`SECURITY.md`, "Encryption at rest").
extension FaceDatabase {
    /// Whether the database is encrypted at rest.
    public var isEncrypted: Bool { store.isEncrypted }

    /// Changes the key of an encrypted database from `old` to `new`, in one write (the data key is
    /// rewrapped; nothing else is rewritten), then purges the old wrapped key from the store's
    /// files. Killed at any moment, the database opens with `old` or with `new`.
    /// - Throws: `.wrongKey` when `old` is not the database's key; `.unsupported` when the database
    ///   is not encrypted.
    public func changeKey(from old: EncryptionKey, to new: EncryptionKey) throws {
        try checkOpen()
        try checkWritable()
        try writeLock.withLock { _ in try store.changeKey(from: old, to: new) }
        try audit("rekey")
    }
}
