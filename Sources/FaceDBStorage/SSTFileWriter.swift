import CRocksDB
import FaceDBCore
import Foundation

/// Writes one sorted table file for bulk ingestion into a column family. The single owner of the
/// `rocksdb_sstfilewriter_t` and its environment options; `deinit` destroys them.
///
/// Keys must be added in strictly ascending byte order.
final class SSTFileWriter {
    /// The file being written.
    let path: String
    /// How many entries have been added.
    private(set) var count = 0
    private let writer: OpaquePointer
    private let environment: OpaquePointer
    /// The family the file goes into, and the cipher that seals its values if it is encrypted.
    private let family: ColumnFamily
    private let cipher: DataCipher?

    /// Creates the file at `path` for `family`, with its table options (`options`); values are
    /// sealed with `cipher` when the family is encrypted.
    init(path: String, family: ColumnFamily, options: OpaquePointer, cipher: DataCipher?) throws {
        self.path = path
        self.family = family
        self.cipher = family.isEncrypted ? cipher : nil
        environment = rocksdb_envoptions_create()
        writer = rocksdb_sstfilewriter_create(environment, options)
        try withRocksError("creating the bulk-load file", path: path) { err in
            rocksdb_sstfilewriter_open(writer, path, err)
        }
    }

    deinit {
        rocksdb_sstfilewriter_destroy(writer)
        rocksdb_envoptions_destroy(environment)
    }

    /// Adds an entry; `key` must sort after every key added before.
    func put(_ key: [UInt8], _ value: [UInt8]) throws {
        try value.withUnsafeBytes { try put(key, $0) }
    }

    /// ``put(_:_:)`` with the value in place.
    func put(_ key: [UInt8], _ value: UnsafeRawBufferPointer) throws {
        if let cipher {
            let sealed = key.withUnsafeBytes { cipher.seal(value, context: family.sealingContext($0)) }
            return try sealed.withUnsafeBytes { try putRaw(key, $0) }
        }
        try putRaw(key, value)
    }

    private func putRaw(_ key: [UInt8], _ value: UnsafeRawBufferPointer) throws {
        try key.withUnsafeBytes { k in
            try withRocksError("writing the bulk-load file", path: path) { err in
                rocksdb_sstfilewriter_put(
                    writer, k.baseAddress?.assumingMemoryBound(to: CChar.self), k.count,
                    value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count, err)
            }
        }
        count += 1
    }

    /// Completes the file (written and synced).
    func finish() throws {
        try withRocksError("finishing the bulk-load file", path: path) { err in rocksdb_sstfilewriter_finish(writer, err) }
    }
}
