import CRocksDB
import FaceDBCore

/// A set of writes applied atomically by ``RocksDB/write(_:sync:)``. Single owner of a
/// `rocksdb_writebatch_t`.
final class WriteBatch {
    let handle: OpaquePointer
    private let families: [ColumnFamily: OpaquePointer]
    /// Seals the values of encrypted families (``ColumnFamily/isEncrypted``) as they are put.
    private let cipher: DataCipher?

    init(families: [ColumnFamily: OpaquePointer], cipher: DataCipher?) {
        handle = rocksdb_writebatch_create()
        self.families = families
        self.cipher = cipher
    }

    deinit { rocksdb_writebatch_destroy(handle) }

    /// The bytes of the batch's encoding: what the write-ahead log and the memtables take for it.
    var byteSize: Int {
        var size = 0
        _ = rocksdb_writebatch_data(handle, &size)
        return size
    }

    /// The number of operations recorded.
    var count: Int { Int(rocksdb_writebatch_count(handle)) }

    /// Records a put (`rocksdb_writebatch_put_cf`).
    func put(_ cf: ColumnFamily, _ key: [UInt8], _ value: [UInt8]) {
        value.withUnsafeBytes { put(cf, key, $0) }
    }

    /// ``put(_:_:_:)`` with the value in place (the batch copies it).
    func put(_ cf: ColumnFamily, _ key: [UInt8], _ value: UnsafeRawBufferPointer) {
        if let cipher, cf.isEncrypted {
            let sealed = key.withUnsafeBytes { cipher.seal(value, context: cf.sealingContext($0)) }
            return sealed.withUnsafeBytes { putRaw(cf, key, $0) }
        }
        putRaw(cf, key, value)
    }

    private func putRaw(_ cf: ColumnFamily, _ key: [UInt8], _ value: UnsafeRawBufferPointer) {
        key.withUnsafeBytes { k in
            rocksdb_writebatch_put_cf(
                handle, families[cf]!, k.baseAddress?.assumingMemoryBound(to: CChar.self), k.count,
                value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count)
        }
    }

    /// Records a delete (`rocksdb_writebatch_delete_cf`).
    func delete(_ cf: ColumnFamily, _ key: [UInt8]) {
        key.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { kc in
                rocksdb_writebatch_delete_cf(handle, families[cf]!, kc.baseAddress, kc.count)
            }
        }
    }

    /// Records the deletion of keys in `[from, to)` (`rocksdb_writebatch_delete_range_cf`).
    func deleteRange(_ cf: ColumnFamily, from: [UInt8], to: [UInt8]) {
        from.withUnsafeBufferPointer { f in
            to.withUnsafeBufferPointer { t in
                f.withMemoryRebound(to: CChar.self) { fc in
                    t.withMemoryRebound(to: CChar.self) { tc in
                        rocksdb_writebatch_delete_range_cf(handle, families[cf]!, fc.baseAddress, fc.count, tc.baseAddress, tc.count)
                    }
                }
            }
        }
    }
}

@available(*, unavailable, message: "A write batch is built by one thread and handed to RocksDB.write")
extension WriteBatch: Sendable {}
