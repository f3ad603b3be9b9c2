import CRocksDB
import FaceDBCore
import Foundation
import Synchronization

/// An open RocksDB database with FaceDB's column families. The single owner of the `rocksdb_t`,
/// its column-family handles and options: `close()` (or `deinit`) destroys them.
///
/// RocksDB's handles are safe to use from many threads at once, so this class is `Sendable`;
/// using it after ``close()`` is a programming error and traps.
final class RocksDB: @unchecked Sendable {
    let path: String
    private var db: OpaquePointer?
    private var families: [ColumnFamily: OpaquePointer] = [:]
    private let options: OpaquePointer
    private let faceOptions: OpaquePointer
    private let memberOptions: OpaquePointer
    private let tableOptions: OpaquePointer
    private let memberTableOptions: OpaquePointer
    private let faceTableOptions: OpaquePointer
    private let blockCache: OpaquePointer
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer

    /// How the store is opened.
    enum Mode: Equatable {
        /// Reading and writing (`rocksdb_open_column_families`); creates the store if asked.
        case readWrite(create: Bool)
        /// Reading only (`rocksdb_open_for_read_only_column_families`): nothing under the directory
        /// is written, renamed or deleted (RocksDB writes no table file, manifest or log), so it
        /// works on a full disk and never touches a damaged store. Writes recovered from the
        /// write-ahead log are read from it, not flushed.
        case readOnly
        /// Reading only, as leniently as RocksDB allows, for salvaging a damaged store (a copy of
        /// it: see `FaceDatabase.repair`): the write-ahead log is replayed up to its first damaged
        /// record and the rest dropped (point-in-time recovery), and paranoid checks are off. Never
        /// used to open a store for use: it silently drops acknowledged writes.
        case salvage
        /// As leniently as ``salvage``, but opened for writing so that the column families
        /// `rocksdb_repair_db` found no table file of are created (empty): only for a copy that
        /// ``RocksDB/repair(path:)`` has rebuilt. Nothing is written through it.
        case salvageRepaired
        /// Reading beside a writer in another process (`rocksdb_open_as_secondary_column_families`):
        /// nothing under the directory is written; the store's state is the writer's as of the open
        /// (its table files and write-ahead log), or of the last ``RocksDB/catchUpWithPrimary()``.
        /// RocksDB keeps its own info log in `scratch`, a directory of the caller's.
        case secondary(scratch: String)

        /// Whether nothing is written under the directory.
        var isReadOnly: Bool {
            switch self {
            case .readOnly, .salvage, .secondary: true
            case .readWrite, .salvageRepaired: false
            }
        }
        /// Whether the store is read beside its writer.
        var isSecondary: Bool {
            if case .secondary = self { return true }
            return false
        }
        /// Whether this is one of the lenient modes of salvage.
        var isSalvage: Bool { self == .salvage || self == .salvageRepaired }
    }

    /// Whether writes are refused.
    let isReadOnly: Bool
    /// Set once a write, ingestion or flush failed. From then on the write-ahead log is never synced
    /// or flushed again: Debian's librocksdb is built with assertions, and syncing a log file whose
    /// last append failed (a full disk, a file-size limit) aborts the process
    /// (`WritableFileWriter::AssertFalseAndGetStatusForPrevError`). The log keeps every write that
    /// was acknowledged before the failure; reopening the store recovers it.
    private let failure = FailureFlag()

    /// Opens (or creates) the store at `path` with every column family of ``ColumnFamily``.
    init(path: String, mode: Mode) throws {
        self.path = path
        isReadOnly = mode.isReadOnly
        let createIfMissing = mode == .readWrite(create: true)
        options = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(options, createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_increase_parallelism(options, 2)
        Self.lowerCompactionPriority
        rocksdb_options_set_write_buffer_size(options, 64 << 20)
        rocksdb_options_set_max_write_buffer_number(options, 4)
        rocksdb_options_set_keep_log_file_num(options, 3)
        rocksdb_options_set_paranoid_checks(options, mode.isSalvage ? 0 : 1)
        // A secondary keeps every table file it uses open, so that the writer deleting one after a
        // compaction does not take it from under a read (RocksDB requires this of secondaries).
        if mode.isSecondary { rocksdb_options_set_max_open_files(options, -1) }
        // A flush RocksDB starts itself (a full memtable) writes every family's memtable and records
        // them in one atomic MANIFEST group. Flushed family by family, a MANIFEST that lost its tail
        // could keep the meta family's newer counters while dropping the faces they count (seen: 120
        // acknowledged faces gone, the sequence intact); all or nothing, a lost tail always shows as
        // an older sequence, which opening compares with the index snapshot's. (`flush()` orders its
        // per-family flushes to the same effect.)
        rocksdb_options_set_atomic_flush(options, 1)
        // A crash can only leave the log's last record torn; damage anywhere before it is refused.
        // (Point-in-time recovery, used before, stopped at the first bad record and silently dropped
        // every acknowledged write after it: hundreds of faces for one flipped byte.)
        // (`.salvage` uses it on purpose: on a copy, whatever the log holds before the damage is wanted.)
        rocksdb_options_set_wal_recovery_mode(
            options,
            Int32(mode.isSalvage ? rocksdb_point_in_time_recovery : rocksdb_tolerate_corrupted_tail_records_recovery))
        // Point lookups (search results, re-scoring) hit a shared block cache and skip files by bloom filter.
        blockCache = rocksdb_cache_create_lru(Self.blockCacheBytes)
        tableOptions = Self.makeTableOptions(cache: blockCache, bloomFilter: true)
        rocksdb_options_set_block_based_table_factory(options, tableOptions)
        // Existence checks (is this identity or face id stored?) skip the memtables by bloom filter.
        // Each memtable's filter is allocated and zeroed whole when the memtable starts, sized as a
        // fraction of the write buffer: at 0.1 that was 6.4 MiB for each of five families and 12.8
        // MiB for `faces`, resident from open on (RocksDB's cur-size-all-mem-tables: 41 MiB after a
        // 1M-face import, 24 MiB at 0.01). 0.01 still gives 8 bits per key to a full 64 MiB memtable
        // of identity rows (about 100 bytes each), and 40 to a full one of 128-D faces.
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.01)
        rocksdb_options_set_memtable_whole_key_filtering(options, 1)
        // Face rows are mostly embeddings, float noise to a compressor: store them raw. A row is
        // about 0.5 KiB at 128-D, so blocks of 16 KiB keep the per-block work of a bulk load small.
        faceOptions = rocksdb_options_create_copy(options)
        faceTableOptions = Self.makeTableOptions(cache: blockCache, bloomFilter: true, blockSize: 16 << 10)
        rocksdb_options_set_block_based_table_factory(faceOptions, faceTableOptions)
        rocksdb_options_set_compression(faceOptions, Int32(rocksdb_no_compression))
        rocksdb_options_set_write_buffer_size(faceOptions, 128 << 20)
        // Bulk loads ingest one level-0 file of membership rows spanning the whole key range per
        // write: merge them by size tiers (universal compaction) in runs of 16, so that each row is
        // rewritten a few times, not once per run as leveled compaction into one ever-growing level
        // 1 would. The family is only read by prefix scans, so its tables carry no bloom filter; its
        // short keys are delta-encoded already, so they are not compressed.
        memberOptions = rocksdb_options_create_copy(options)
        memberTableOptions = Self.makeTableOptions(cache: blockCache, bloomFilter: false)
        rocksdb_options_set_block_based_table_factory(memberOptions, memberTableOptions)
        rocksdb_options_set_compression(memberOptions, Int32(rocksdb_no_compression))
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(memberOptions, 0)
        rocksdb_options_set_compaction_style(memberOptions, Int32(rocksdb_universal_compaction))
        rocksdb_options_set_level0_file_num_compaction_trigger(memberOptions, 16)
        rocksdb_options_set_level0_slowdown_writes_trigger(memberOptions, 48)
        rocksdb_options_set_level0_stop_writes_trigger(memberOptions, 64)
        readOptions = rocksdb_readoptions_create()
        rocksdb_readoptions_set_verify_checksums(readOptions, 1)
        writeOptions = rocksdb_writeoptions_create()
        syncWriteOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncWriteOptions, 1)

        let all = ColumnFamily.allCases
        var names = all.map { strdup($0.rawValue) }
        defer { names.forEach { free($0) } }
        let cfOptions: [OpaquePointer?] = all.map { $0 == .faces ? faceOptions : $0 == .identityFaces ? memberOptions : options }
        var handles = [OpaquePointer?](repeating: nil, count: all.count)
        let opened: OpaquePointer? = try names.withUnsafeMutableBufferPointer { namePtrs in
            try cfOptions.withUnsafeBufferPointer { optPtrs in
                try handles.withUnsafeMutableBufferPointer { handlePtrs in
                    try namePtrs.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constNames in
                        try withRocksError("opening the store", path: path) { err in
                            if case .secondary(let scratch) = mode {
                                return rocksdb_open_as_secondary_column_families(
                                    options, path, scratch, Int32(all.count), constNames.baseAddress, optPtrs.baseAddress,
                                    handlePtrs.baseAddress, err)
                            }
                            return mode.isReadOnly
                                ? rocksdb_open_for_read_only_column_families(
                                    options, path, Int32(all.count), constNames.baseAddress, optPtrs.baseAddress,
                                    handlePtrs.baseAddress, 0, err)
                                : rocksdb_open_column_families(
                                    options, path, Int32(all.count), constNames.baseAddress, optPtrs.baseAddress,
                                    handlePtrs.baseAddress, err)
                        }
                    }
                }
            }
        }
        guard let opened else {
            destroyOptions()
            throw FaceDBError(.storageFailure, "RocksDB returned no database for \(path).", path: path)
        }
        db = opened
        for (cf, handle) in zip(all, handles) { families[cf] = handle! }
    }

    /// A secondary's view moved up to the writer's latest acknowledged writes
    /// (`rocksdb_try_catch_up_with_primary`).
    func catchUpWithPrimary() throws {
        let db = handle
        try withRocksError("catching up with the writer", path: path) { err in rocksdb_try_catch_up_with_primary(db, err) }
    }

    /// A consistent copy of the open store in `directory`, which must not exist
    /// (`rocksdb_checkpoint_create`): table files hard-linked where the file system allows (copied
    /// otherwise), the memtables flushed first so that the copy needs no log replay.
    func checkpoint(to directory: String) throws {
        let db = handle
        try refuseIfReadOnly()
        let checkpoint = try withRocksError("preparing a checkpoint", path: path) { err in rocksdb_checkpoint_object_create(db, err) }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        try failure.recording {
            try withRocksError("writing a checkpoint to \(directory)", path: path) { err in
                rocksdb_checkpoint_create(checkpoint, directory, 0, err)
            }
        }
    }

    /// Calls `body` with each key and stored value of `cf`, as they are on disk (sealed values
    /// stay sealed), in key order, until it returns false.
    func scanStored(_ cf: ColumnFamily, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        try scan(cf, stored: true, body)
    }

    /// Rebuilds the MANIFEST of the store at `path` from the table and log files it finds
    /// (`rocksdb_repair_db`), keeping whatever is readable: RocksDB's last resort. It rewrites the
    /// directory (log files become table files; unreadable files are moved to `lost/`), so it is only
    /// ever run on a copy (see `FaceDatabase.repair`).
    static func repair(path: String) throws {
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_create_if_missing(options, 0)
        rocksdb_options_set_paranoid_checks(options, 0)
        try withRocksError("repairing the store", path: path) { err in rocksdb_repair_db(options, path, err) }
    }

    /// Runs RocksDB's compaction threads (its low-priority pool, shared by every store in the process)
    /// at the lowest CPU priority, once: a compaction then takes only the CPU time that reads and
    /// writes leave, instead of half of a two-core machine in the middle of a bulk load. RocksDB's own
    /// write stalls still keep compactions from falling behind for good.
    private static let lowerCompactionPriority: Void = {
        let env = rocksdb_create_default_env()
        rocksdb_env_lower_thread_pool_cpu_priority(env)
        rocksdb_env_destroy(env)
    }()

    /// Block-based table options sharing `cache`, with index and filter blocks in the cache (pinned
    /// for level 0), a bloom filter of 10 bits per key if asked, and RocksDB's block size unless given.
    private static func makeTableOptions(cache: OpaquePointer, bloomFilter: Bool, blockSize: Int? = nil) -> OpaquePointer {
        let table = rocksdb_block_based_options_create()!
        rocksdb_block_based_options_set_block_cache(table, cache)
        if bloomFilter { rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom(10)) }
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1)
        rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1)
        if let blockSize { rocksdb_block_based_options_set_block_size(table, blockSize) }
        return table
    }

    /// The size of the block cache shared by all column families.
    static let blockCacheBytes = 256 << 20

    private func destroyOptions() {
        rocksdb_options_destroy(options)
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_block_based_options_destroy(memberTableOptions)
        rocksdb_block_based_options_destroy(faceTableOptions)
        rocksdb_cache_destroy(blockCache)
        rocksdb_options_destroy(faceOptions)
        rocksdb_options_destroy(memberOptions)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_writeoptions_destroy(syncWriteOptions)
    }

    deinit {
        close()
        destroyOptions()
    }

    /// Flushes nothing extra and closes the database; later calls trap. Idempotent.
    func close() {
        guard let db else { return }
        for handle in families.values { rocksdb_column_family_handle_destroy(handle) }
        families = [:]
        rocksdb_close(db)
        self.db = nil
    }

    private var handle: OpaquePointer {
        guard let db else { preconditionFailure("RocksDB used after close()") }
        return db
    }

    /// Seals and opens the values of encrypted families (``ColumnFamily/isEncrypted``) in an
    /// encrypted store. Set once by ``encryptValues(with:)`` right after opening, before the store
    /// is used by anyone else; read-only afterwards.
    private(set) var cipher: DataCipher?

    /// From now on, values of encrypted families are sealed on write and opened on read.
    func encryptValues(with cipher: DataCipher) { self.cipher = cipher }

    /// `value` of `cf` under `key` as stored, opened when the family is encrypted.
    /// - Throws: `.corruption` when a sealed value does not open: the key was checked when the
    ///   store opened, so the value was altered or moved from another row.
    private func plain(_ cf: ColumnFamily, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws -> [UInt8]? {
        guard let cipher, cf.isEncrypted else { return nil }
        guard let opened = cipher.open(value, context: cf.sealingContext(key)) else {
            throw FaceDBError(
                .corruption,
                "A value of \(cf.rawValue) in the encrypted store at \(path) does not decrypt: it was altered, or copied from another row or database.",
                remedy: "Restore a backup, or salvage the rest with `facedb repair`.", path: path)
        }
        return opened
    }

    /// A new, empty batch for this database's column families.
    func makeBatch() -> WriteBatch { WriteBatch(families: families, cipher: cipher) }

    /// Applies `batch` atomically (`rocksdb_write`). With `sync`, the WAL is fsync'ed first.
    func write(_ batch: WriteBatch, sync: Bool) throws {
        let db = handle
        try refuseIfReadOnly()
        try failure.recording {
            try withRocksError("writing a batch", path: path) { err in
                rocksdb_write(db, sync ? syncWriteOptions : writeOptions, batch.handle, err)
            }
        }
    }

    /// Throws ``FaceDBError/Code/readOnly`` for a store opened read-only.
    func refuseIfReadOnly() throws {
        guard isReadOnly else { return }
        throw FaceDBError(
            .readOnly, "The store at \(path) is open read-only; nothing was written.",
            remedy: "Open the database for writing (no other process may have it open).", path: path)
    }

    /// The value of `key`, or nil (`rocksdb_get_cf`).
    func get(_ cf: ColumnFamily, _ key: [UInt8]) throws -> [UInt8]? {
        let db = handle
        var length = 0
        let value = try key.withUnsafeBufferPointer { k in
            try k.withMemoryRebound(to: CChar.self) { kc in
                try withRocksError("reading \(cf.rawValue)", path: path) { err in
                    rocksdb_get_cf(db, readOptions, families[cf]!, kc.baseAddress, kc.count, &length, err)
                }
            }
        }
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        let stored = UnsafeRawBufferPointer(start: value, count: length)
        if let opened = try key.withUnsafeBytes({ try plain(cf, key: $0, value: stored) }) { return opened }
        return Array(stored)
    }

    /// The values of many keys of one family in one call (`rocksdb_multi_get_cf`).
    func multiGet(_ cf: ColumnFamily, _ keys: [[UInt8]]) throws -> [[UInt8]?] {
        if keys.isEmpty { return [] }
        let db = handle
        let n = keys.count
        let family = families[cf]!
        var keyPointers = [UnsafePointer<CChar>?]()
        keyPointers.reserveCapacity(n)
        let flat = keys.flatMap { $0 }
        var sizes = keys.map { $0.count }
        var values = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
        var valueSizes = [Int](repeating: 0, count: n)
        var errors = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
        let cfs = [OpaquePointer?](repeating: family, count: n)
        flat.withUnsafeBufferPointer { base in
            base.withMemoryRebound(to: CChar.self) { chars in
                var offset = 0
                for size in sizes {
                    keyPointers.append(chars.baseAddress.map { UnsafePointer($0 + offset) })
                    offset += size
                }
                rocksdb_multi_get_cf(db, readOptions, cfs, n, keyPointers, &sizes, &values, &valueSizes, &errors)
            }
        }
        var firstError: String?
        var result = [[UInt8]?](repeating: nil, count: n)
        for i in 0..<n {
            if let e = errors[i] {
                if firstError == nil { firstError = String(cString: e) }
                rocksdb_free(e)
            }
            if let v = values[i] {
                result[i] = Array(UnsafeRawBufferPointer(start: v, count: valueSizes[i]))
                rocksdb_free(v)
            }
        }
        if let firstError { throw rocksError("reading \(cf.rawValue)", message: firstError, path: path) }
        if cipher != nil, cf.isEncrypted {
            for i in 0..<n {
                guard let sealed = result[i] else { continue }
                result[i] = try keys[i].withUnsafeBytes { k in try sealed.withUnsafeBytes { try plain(cf, key: k, value: $0) } }
            }
        }
        return result
    }

    /// Calls `body` with each key and value of `cf` in key order, from `start` up to (not including)
    /// `end`, until `body` returns false. The buffers are valid only during the call.
    func scan(
        _ cf: ColumnFamily, from start: [UInt8] = [], to end: [UInt8]? = nil, stored: Bool = false,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let db = handle
        let options = rocksdb_readoptions_create()!
        defer { rocksdb_readoptions_destroy(options) }
        rocksdb_readoptions_set_verify_checksums(options, 1)
        let upper = end.map { bound -> UnsafeMutablePointer<CChar> in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: max(bound.count, 1))
            bound.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in p.update(from: c.baseAddress!, count: c.count) }
            }
            return p
        }
        defer { upper?.deallocate() }
        if let upper, let end { rocksdb_readoptions_set_iterate_upper_bound(options, upper, end.count) }
        let iterator = rocksdb_create_iterator_cf(db, options, families[cf]!)!
        defer { rocksdb_iter_destroy(iterator) }
        start.withUnsafeBufferPointer { s in
            s.withMemoryRebound(to: CChar.self) { c in rocksdb_iter_seek(iterator, c.baseAddress, c.count) }
        }
        while rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let keyStart = rocksdb_iter_key(iterator, &keyLength)
            let valueStart = rocksdb_iter_value(iterator, &valueLength)
            let key = UnsafeRawBufferPointer(start: keyStart, count: keyLength)
            let value = UnsafeRawBufferPointer(start: valueStart, count: valueLength)
            let go: Bool
            if !stored, let opened = try plain(cf, key: key, value: value) {
                go = try opened.withUnsafeBytes { try body(key, $0) }
            } else {
                go = try body(key, value)
            }
            if !go { break }
            rocksdb_iter_next(iterator)
        }
        try withRocksError("scanning \(cf.rawValue)", path: path) { err in rocksdb_iter_get_error(iterator, err) }
    }

    /// A writer of a table file with `cf`'s options, for ``ingest(_:into:)``.
    func makeTableWriter(for cf: ColumnFamily, path: String) throws -> SSTFileWriter {
        try SSTFileWriter(
            path: path, family: cf, options: cf == .faces ? faceOptions : cf == .identityFaces ? memberOptions : options, cipher: cipher)
    }

    /// Moves finished table files into `cf` (`rocksdb_ingest_external_file_cf`): their entries
    /// become visible at once, without passing through the write-ahead log and the memtable.
    func ingest(_ files: [String], into cf: ColumnFamily) throws {
        let db = handle
        try refuseIfReadOnly()
        let ingestOptions = rocksdb_ingestexternalfileoptions_create()!
        defer { rocksdb_ingestexternalfileoptions_destroy(ingestOptions) }
        rocksdb_ingestexternalfileoptions_set_move_files(ingestOptions, 1)
        var names = files.map { strdup($0) }
        defer { names.forEach { free($0) } }
        try names.withUnsafeMutableBufferPointer { pointers in
            try pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constNames in
                try failure.recording {
                    try withRocksError("ingesting into \(cf.rawValue)", path: path) { err in
                        rocksdb_ingest_external_file_cf(db, families[cf]!, constNames.baseAddress, files.count, ingestOptions, err)
                    }
                }
            }
        }
    }

    /// An integer property of `cf` such as `rocksdb.num-files-at-level0` (`rocksdb_property_int_cf`),
    /// or nil if RocksDB does not know it.
    func integerProperty(_ name: String, of cf: ColumnFamily) -> UInt64? {
        var value: UInt64 = 0
        return rocksdb_property_int_cf(handle, families[cf]!, name, &value) == 0 ? value : nil
    }

    /// ``flush()`` unless already closed or read-only; a failure is ignored (the WAL still holds the data).
    func flushIfOpen() {
        guard db != nil, !isReadOnly, !failure.isSet else { return }
        try? flush()
    }

    /// Writes the write-ahead log's buffered records and fsyncs it (`rocksdb_flush_wal` with sync):
    /// every write acknowledged so far then survives a power loss too.
    func syncWAL() throws {
        let db = handle
        guard !isReadOnly else { return }
        if failure.isSet {
            throw FaceDBError(
                .io, "An earlier write to the store at \(path) failed, so its log is not synced again.",
                remedy: "Close the database and open it again; every write acknowledged before the failure is kept.", path: path)
        }
        try failure.recording {
            try withRocksError("syncing the write-ahead log", path: path) { err in rocksdb_flush_wal(db, 1, err) }
        }
    }

    /// The bytes held in every family's memtables: what a flush would write (`rocksdb.cur-size-all-mem-tables`).
    var memtableBytes: Int {
        ColumnFamily.allCases.reduce(0) { $0 + Int(integerProperty("rocksdb.cur-size-all-mem-tables", of: $1) ?? 0) }
    }

    /// Flushes the memtables of every family to SST files (`rocksdb_flush_cf`).
    func flush() throws {
        let db = handle
        try refuseIfReadOnly()
        if failure.isSet {
            throw FaceDBError(
                .io, "An earlier write to the store at \(path) failed, so it is not flushed.",
                remedy: "Close the database and open it again; every write acknowledged before the failure is kept.", path: path)
        }
        let options = rocksdb_flushoptions_create()!
        defer { rocksdb_flushoptions_destroy(options) }
        rocksdb_flushoptions_set_wait(options, 1)
        // Meta last: each family's flush is its own MANIFEST edit, and a MANIFEST that loses its tail
        // loses the newest edits. With the counters flushed last, whenever they survive so do the
        // rows they count, and a lost tail shows as an older sequence (see `FaceDatabase.open`).
        for cf in ColumnFamily.allCases.filter({ $0 != .meta }) + [.meta] {
            try failure.recording {
                try withRocksError("flushing \(cf.rawValue)", path: path) { err in
                    rocksdb_flush_cf(db, options, families[cf]!, err)
                }
            }
        }
    }
}

extension RocksDB {
    /// Compacts the keys from `start` through `end` of `cf` (nil: that end of the family) down to
    /// the last level, rewriting the last level's files too (`rocksdb_compact_range_cf_opt` with
    /// the bottommost level forced), so that deleted rows and their tombstones leave every table
    /// file; the files they were in are deleted once no reader holds them. Waits for the
    /// compaction. RocksDB's C API reports no error for it: whoever needs proof reads the files.
    func compact(_ cf: ColumnFamily, from start: [UInt8]? = nil, through end: [UInt8]? = nil) throws {
        let db = handle
        try refuseIfReadOnly()
        let options = rocksdb_compactoptions_create()!
        defer { rocksdb_compactoptions_destroy(options) }
        // BottommostLevelCompaction::kForce (2): the last level's files are rewritten as well.
        rocksdb_compactoptions_set_bottommost_level_compaction(options, 2)
        rocksdb_compactoptions_set_exclusive_manual_compaction(options, 1)
        let family = families[cf]!
        func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafePointer<CChar>?, Int) -> R) -> R {
            guard let bytes else { return body(nil, 0) }
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress, $0.count) }
            }
        }
        withOptionalBytes(start) { startKey, startLength in
            withOptionalBytes(end) { endKey, endLength in
                rocksdb_compact_range_cf_opt(db, family, options, startKey, startLength, endKey, endLength)
            }
        }
    }
}

/// Whether a write to the store has failed; set once, never cleared (see ``RocksDB``).
private final class FailureFlag: Sendable {
    private let failed = Atomic<Bool>(false)

    var isSet: Bool { failed.load(ordering: .acquiring) }

    /// Runs `body`, setting the flag if it throws.
    func recording<T>(_ body: () throws -> T) rethrows -> T {
        do {
            return try body()
        } catch {
            failed.store(true, ordering: .releasing)
            throw error
        }
    }
}
