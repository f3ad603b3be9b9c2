import FaceDBCore
import Foundation

/// Encryption at rest (`Schemas/keyspace.md`, "Encryption"): an encrypted store seals the values of
/// `faces` and `identities` with a random 256-bit data key (``DataCipher``). The data key is kept
/// in `meta` wrapped (sealed) by the user's key (``EncryptionKey``), so opening checks the user's
/// key (a wrong one does not unwrap it) and changing the user's key is one write.
extension FaceStore {
    /// meta `encryption`: how the data key is kept.
    struct EncryptionRecord: Codable {
        /// The record's layout version (1).
        var version: Int
        /// `AES-256-GCM`.
        var cipher: String
        /// The data key sealed by the user's key (``DataCipher`` layout), base64.
        var wrappedKey: String

        enum CodingKeys: String, CodingKey {
            case version, cipher
            case wrappedKey = "wrapped_key"
        }
    }

    /// What the wrapped data key is bound to: its purpose and the store.
    static func wrappingContext(storeID: [UInt8]) -> [UInt8] { Array("facedb data key".utf8) + [0] + storeID }

    /// The `encryption` record of `dataKey` wrapped by `key`.
    static func encryptionRecord(dataKey: [UInt8], wrappedBy key: EncryptionKey, storeID: [UInt8]) throws -> [UInt8] {
        let wrapped = DataCipher(key: key.bytes).seal(dataKey, context: wrappingContext(storeID: storeID))
        return try Keyspace.json(EncryptionRecord(version: 1, cipher: "AES-256-GCM", wrappedKey: Data(wrapped).base64EncodedString()))
    }

    /// A new random data key.
    static func newDataKey() -> [UInt8] { EncryptionKey.random().bytes }

    /// The data key of the store in `db`, unwrapped with `key`; nil for a store that is not encrypted.
    /// - Throws: `.keyRequired` (encrypted, no key), `.wrongKey` (a key that does not unwrap it, or
    ///   a key for a store that is not encrypted), `.corruption` (an unreadable record).
    static func dataKey(in db: RocksDB, key: EncryptionKey?, storeID: [UInt8]) throws -> [UInt8]? {
        let record = try db.get(.meta, Keyspace.encryptionKey)
        guard let record else {
            if key != nil {
                throw FaceDBError(
                    .wrongKey, "The database at \(db.path) is not encrypted, but a key was given.",
                    remedy: "Open it without a key (no --key-file, no FACEDB_KEY_FILE).", path: db.path)
            }
            return nil
        }
        guard let key else {
            throw FaceDBError(
                .keyRequired, "The database at \(db.path) is encrypted; no key was given.",
                remedy: "Give its key file with --key-file KEY or FACEDB_KEY_FILE=KEY (DatabaseOptions.key in Swift).", path: db.path)
        }
        let decoded = try Keyspace.decodeJSON(EncryptionRecord.self, record, what: "the encryption record")
        guard decoded.version == 1, let wrapped = Data(base64Encoded: decoded.wrappedKey) else {
            throw Keyspace.corrupt("the encryption record has version \(decoded.version) or an unreadable key")
        }
        guard let dataKey = DataCipher(key: key.bytes).open([UInt8](wrapped), context: wrappingContext(storeID: storeID)),
            dataKey.count == EncryptionKey.size
        else {
            throw FaceDBError(
                .wrongKey, "The key given does not open the encrypted database at \(db.path).",
                remedy: "Give the key file the database was created (or last rekeyed) with.", path: db.path)
        }
        return dataKey
    }

    /// Whether the store is encrypted.
    package var isEncrypted: Bool { db.cipher != nil }

    /// The cipher of the store's data key (nil when not encrypted), for what the database keeps
    /// beside the store (the index snapshot), sealed with contexts of its own.
    package var dataCipher: DataCipher? { db.cipher }

    /// Rewraps the data key with `new` in one write, after checking `old` unwraps it; then flushes
    /// and compacts `meta`, so that no file keeps the data key wrapped by `old`. A crash leaves the
    /// store opening with `old` (before the write) or `new` (after it).
    /// - Throws: `.wrongKey` when `old` does not unwrap the data key, `.unsupported` for a store
    ///   that is not encrypted.
    package func changeKey(from old: EncryptionKey, to new: EncryptionKey) throws {
        guard isEncrypted else {
            throw FaceDBError(
                .unsupported, "The database at \(path) is not encrypted; there is no key to change.",
                remedy: "Encryption is chosen when a database is created (facedb create --key-file).", path: path)
        }
        guard let dataKey = try Self.dataKey(in: db, key: old, storeID: storeID) else { return }
        let record = try Self.encryptionRecord(dataKey: dataKey, wrappedBy: new, storeID: storeID)
        try commit { batch, _ in
            batch.put(.meta, Keyspace.encryptionKey, record)
            return IndexChange()
        }
        try db.flush()
        try db.compact(.meta)
    }
}
