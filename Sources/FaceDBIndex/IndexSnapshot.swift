import FaceDBCore
import Foundation

/// The snapshot file of the vector index: the serialized index plus the store sequence number it
/// reflects, so that opening a database replays only the changes made after it.
///
/// Layout (all integers little-endian; `Schemas/index-snapshot.md` has the full description):
///
/// | bytes | field |
/// | --- | --- |
/// | 8 | magic `FDBINDEX` |
/// | 4 | format version (UInt32), currently 3 |
/// | 8 | store sequence number (UInt64) |
/// | 16 + 8 | the store's id, and the ``VectorDigest`` of the index's vectors (UInt64) (version 3 only) |
/// | 4 + L | configuration JSON length (UInt32), then L bytes of JSON |
/// | 4 + T | efSearch tuning JSON length (UInt32, 0 for none), then T bytes of JSON (version 2 only) |
/// | 4 | dimension (UInt32) |
/// | 1 | metric: 0 l2, 1 cosine, 2 inner product |
/// | 8 + P | payload length (UInt64), then the P-byte serialized index |
/// | 8 | XXH64 (seed 0) of every byte before it |
///
/// The checksum always covers everything before the final 8 bytes, in every format version, so
/// a damaged file is told apart from one written by a newer FaceDB.
///
/// The payload is streamed from the index to the file (``write(to:capturing:)``): closing a database
/// of a 1.66M × 64-D flat index used to peak at 1.59 GB, holding the serialized copy next to the
/// index; streaming needs no second copy (see BENCHMARKS.md, "Memory").
package enum IndexSnapshot {
    /// The format version this build writes, and the newest it reads (it reads 1 and 2 too).
    package static let formatVersion: UInt32 = 3
    /// The first 8 bytes of every snapshot.
    static let magic: [UInt8] = Array("FDBINDEX".utf8)
    /// Magic, version, sequence, JSON length, dimension, metric, payload length, checksum: the
    /// smallest file of any version (version 2 adds 4 bytes of tuning JSON length).
    static let minimumSize = 8 + 4 + 8 + 4 + 4 + 1 + 8 + 8

    /// What a snapshot file holds.
    package struct Loaded {
        /// The restored index.
        package var index: VectorIndex
        /// The store sequence number the index reflects.
        package var sequence: UInt64
        /// The index's configuration.
        package var configuration: IndexConfiguration
        /// The id of the store the index was derived from (nil before format version 3).
        package var storeID: [UInt8]?
        /// The digest of the index's vectors when it was written (nil before format version 3).
        package var digest: VectorDigest?
    }

    /// What the first bytes of a snapshot say about it, read without loading the index.
    package struct Header: Equatable, Sendable {
        /// The store sequence number the index reflects.
        package var sequence: UInt64
        /// The id of the store the index was derived from (nil before format version 3).
        package var storeID: [UInt8]?
    }

    /// Which state of which store a snapshot holds.
    package struct Stamp: Sendable {
        /// The store sequence number the index reflects.
        package var sequence: UInt64
        /// The 16-byte id of the store the index is derived from.
        package var storeID: [UInt8]
        /// The digest of the index's vectors.
        package var digest: VectorDigest

        /// Makes a stamp.
        package init(sequence: UInt64, storeID: [UInt8] = Array(repeating: 0, count: 16), digest: VectorDigest = VectorDigest()) {
            precondition(storeID.count == 16, "a store id has 16 bytes")
            self.sequence = sequence
            self.storeID = storeID
            self.digest = digest
        }
    }

    /// Everything before the payload length: magic, version, sequence, store id, vector digest,
    /// configuration and tuning JSON, dimension, metric. The one place that lays out the header.
    package static func header(of index: VectorIndex, stamp: Stamp) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try [UInt8](encoder.encode(index.configuration))
        let tuning = try index.efSearchTuning.map { try [UInt8](encoder.encode($0)) } ?? []
        var header = magic
        header.appendLittleEndian(formatVersion)
        header.appendLittleEndian(stamp.sequence)
        header.append(contentsOf: stamp.storeID)
        header.appendLittleEndian(stamp.digest.value)
        header.appendLittleEndian(UInt32(json.count))
        header.append(contentsOf: json)
        header.appendLittleEndian(UInt32(tuning.count))
        header.append(contentsOf: tuning)
        header.appendLittleEndian(UInt32(index.dimension))
        header.append(metricCode(index.metric))
        return header
    }

    /// Writes a snapshot of `index`, which reflects the store sequence `sequence`, atomically (see
    /// ``write(to:capturing:)``). Changes to the index wait until its bytes are written.
    package static func write(
        _ index: VectorIndex, sequence: UInt64, storeID: [UInt8] = Array(repeating: 0, count: 16),
        digest: VectorDigest = VectorDigest(), to path: String
    ) throws {
        try write(to: path) { emit in try emit(index, Stamp(sequence: sequence, storeID: storeID, digest: digest)) }
    }

    /// The sequence and store id at the start of the snapshot at `path`, read without checking or
    /// loading the rest; nil when the file is missing or does not start like a snapshot.
    package static func header(at path: String) -> Header? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let bytes = try? handle.read(upToCount: 44), bytes.count >= 20 else { return nil }
        return [UInt8](bytes).withUnsafeBytes { file -> Header? in
            if SealedSnapshot.isSealed(file) {
                return SealedSnapshot.header(file).map { Header(sequence: $0.sequence, storeID: $0.storeID) }
            }
            var reader = ByteReader(file)
            guard reader.take(magic.count).map(Array.init) == magic, let version = reader.integer(UInt32.self),
                (1...formatVersion).contains(version), let sequence = reader.integer(UInt64.self)
            else { return nil }
            guard version >= 3 else { return Header(sequence: sequence, storeID: nil) }
            guard let id = reader.take(16) else { return nil }
            return Header(sequence: sequence, storeID: Array(id))
        }
    }

    /// Writes a snapshot atomically — to `path.tmp`, fsynced, renamed over `path`, and the
    /// directory fsynced — streaming the serialized index to the file straight from the index's
    /// memory, its checksum computed as the bytes pass: no copy of the index is made.
    ///
    /// `capturing` calls `emit` with the index and the stamp of the state it reflects, holding
    /// whatever lock keeps the two consistent while the bytes are written; or does not call it,
    /// and then nothing is written. The index's own changes wait while `emit` runs (it writes to the
    /// page cache; the fsync comes after `capturing` returns).
    ///
    /// - Returns: the sequence of the snapshot written, or nil when `capturing` did not call `emit`.
    /// - Throws: ``FaceDBError/Code/io`` with the path when the file system fails.
    ///
    /// With `cipher` (an encrypted database), the bytes are sealed on their way to the file
    /// (``SealedSnapshot``).
    @discardableResult
    package static func write(
        to path: String, cipher: DataCipher? = nil, capturing: (_ emit: (VectorIndex, Stamp) throws -> Void) throws -> Void
    ) throws -> UInt64? {
        var written: UInt64?
        try AtomicFile.write(to: path) { write in
            try withoutActuallyEscaping(write) { write in
                try capturing { index, stamp in
                    let sealer = try cipher.map { try SealedSnapshot.Writer(write, cipher: $0, sequence: stamp.sequence, storeID: stamp.storeID) }
                    var file = ChecksummedWriter(sealer.map { sealer in { try sealer.write($0) } } ?? write)
                    try index.serialize(
                        begin: { count in
                            var header = try header(of: index, stamp: stamp)
                            header.appendLittleEndian(UInt64(count))
                            try header.withUnsafeBytes { try file.write($0) }
                        }, write: { try file.write($0) })
                    try file.finish()
                    try sealer?.finish()
                    written = stamp.sequence
                }
            }
            return written != nil
        }
        return written
    }

    /// Reads a snapshot written by ``write(_:sequence:to:)``.
    ///
    /// - Returns: the index, the sequence number it reflects, its configuration, and (format 3) the
    ///   store id and vector digest it was written with.
    /// - Throws: ``FaceDBError/Code/io`` (with the path) for a missing or unreadable file;
    ///   ``FaceDBError/Code/corruption`` for an empty, truncated or damaged file, a wrong magic,
    ///   a bad checksum or lengths that do not add up; ``FaceDBError/Code/unsupportedFormat`` for
    ///   a file from a newer FaceDB, or an IVF-PQ index of an older layout (without its exact copy of
    ///   the vectors), which must be rebuilt.
    ///
    /// An encrypted database gives its `cipher`: its snapshot must be sealed with it (a plain one is
    /// refused as damaged, and the index is rebuilt from the store).
    package static func read(from path: String, cipher: DataCipher? = nil) throws -> Loaded {
        let file = try AtomicFile.read(path)
        let sealed = file.withUnsafeBytes { SealedSnapshot.isSealed($0) }
        switch (sealed, cipher) {
        case (false, nil):
            return try file.withUnsafeBytes { try parse($0, path: path) }
        case (true, let cipher?):
            let plain = try file.withUnsafeBytes { try SealedSnapshot.open($0, cipher: cipher, path: path) }
            return try plain.withUnsafeBytes { try parse($0, path: path) }
        case (true, nil):
            throw FaceDBError(
                .corruption, "The index snapshot \(path) is encrypted, but the database is not.",
                remedy: "Delete the file; the index is rebuilt from the store.", path: path)
        case (false, _?):
            throw FaceDBError(
                .corruption, "The index snapshot \(path) of an encrypted database is not encrypted.",
                remedy: "Delete the file; the index is rebuilt from the store.", path: path)
        }
    }

    /// Checks and decodes the bytes of a snapshot file (`package` for the fuzz harness, `Fuzz/`).
    package static func parse(_ file: UnsafeRawBufferPointer, path: String) throws -> Loaded {
        func damaged(_ what: String) -> FaceDBError {
            FaceDBError(
                .corruption, "The index snapshot \(path) is damaged: \(what).",
                remedy: "Delete the file; the index is rebuilt from the store.", path: path)
        }

        guard !file.isEmpty else { throw damaged("the file is empty") }
        let head = Array(file.prefix(magic.count))
        guard head == magic else {
            if head.count < magic.count, magic.starts(with: head) {
                throw damaged("it ends after \(file.count) bytes")
            }
            throw FaceDBError(
                .corruption, "The file \(path) is not a FaceDB index snapshot (wrong magic bytes).",
                remedy: "Delete the file; the index is rebuilt from the store.", path: path)
        }
        guard file.count >= minimumSize else { throw damaged("it ends after \(file.count) bytes") }

        let body = UnsafeRawBufferPointer(rebasing: file[..<(file.count - 8)])
        let stored = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: file.count - 8, as: UInt64.self))
        guard XXHash64.hash(body) == stored else {
            throw damaged("the checksum does not match (the file is truncated or altered)")
        }

        var reader = ByteReader(body)
        _ = reader.take(magic.count)
        guard let version = reader.integer(UInt32.self), version != 0 else { throw damaged("format version 0") }
        guard version <= formatVersion else {
            throw FaceDBError(
                .unsupportedFormat,
                "The index snapshot \(path) has format version \(version); this FaceDB reads version \(formatVersion) and older.",
                remedy: "Upgrade FaceDB, or delete the file so that the index is rebuilt from the store.", path: path)
        }
        guard let sequence = reader.integer(UInt64.self) else { throw damaged("the header is cut short") }
        var storeID: [UInt8]?
        var digest: VectorDigest?
        if version >= 3 {
            guard let id = reader.take(16), let sum = reader.integer(UInt64.self) else { throw damaged("the header is cut short") }
            storeID = Array(id)
            digest = VectorDigest(value: sum)
        }
        guard let jsonLength = reader.integer(UInt32.self) else { throw damaged("the header is cut short") }
        guard let json = reader.take(Int(jsonLength)) else {
            throw damaged("the configuration length \(jsonLength) runs past the end of the file")
        }
        let configuration: IndexConfiguration
        do {
            configuration = try JSONDecoder().decode(IndexConfiguration.self, from: Data(json))
        } catch {
            throw damaged("the configuration is not readable (\(error))")
        }
        var tuning: EfSearchTuning?
        if version >= 2 {
            guard let tuningLength = reader.integer(UInt32.self) else { throw damaged("the header is cut short") }
            guard let tuningJSON = reader.take(Int(tuningLength)) else {
                throw damaged("the tuning length \(tuningLength) runs past the end of the file")
            }
            if tuningLength > 0 {
                do {
                    tuning = try JSONDecoder().decode(EfSearchTuning.self, from: Data(tuningJSON))
                } catch {
                    throw damaged("the efSearch tuning is not readable (\(error))")
                }
            }
        }
        guard let dimension = reader.integer(UInt32.self),
            let metricByte = reader.integer(UInt8.self),
            let payloadLength = reader.integer(UInt64.self)
        else { throw damaged("the header is cut short") }
        guard let metric = metric(code: metricByte) else { throw damaged("unknown metric code \(metricByte)") }
        guard payloadLength == UInt64(reader.remaining), let payload = reader.take(reader.remaining) else {
            throw damaged("the payload length \(payloadLength) does not match the \(reader.remaining) bytes that hold it")
        }
        do {
            try configuration.validate(dimension: Int(dimension))
        } catch {
            throw damaged("the stored configuration is invalid (\(error))")
        }

        do {
            let index = try VectorIndex.deserialize(
                payload, configuration: configuration, dimension: Int(dimension), metric: metric)
            if let tuning, tuning.target == configuration.recallTarget { try index.adopt(tuning) }
            return Loaded(index: index, sequence: sequence, configuration: configuration, storeID: storeID, digest: digest)
        } catch var error as FaceDBError {
            if error.code == .corruption || error.code == .invalidArgument {
                throw FaceDBError(
                    .corruption, "The index snapshot \(path) holds a damaged index. \(error.message)",
                    remedy: "Delete the file; the index is rebuilt from the store.", path: path, cause: error.cause)
            }
            error.path = error.path ?? path
            throw error
        }
    }

    /// `body` (a snapshot without its last 8 bytes) followed by its checksum, as ``write(_:to:)``
    /// ends a file. The fuzz harness (`Fuzz/`) seals mutated bytes with it to get past the checksum
    /// to the header and payload decoders.
    package static func sealed(_ body: [UInt8]) -> [UInt8] {
        var file = body
        file.appendLittleEndian(XXHash64.hash(body))
        return file
    }

    /// The byte that stores a metric.
    static func metricCode(_ metric: Metric) -> UInt8 {
        switch metric {
        case .l2: return 0
        case .cosine: return 1
        case .innerProduct: return 2
        }
    }

    /// The metric a byte stores, or `nil`.
    static func metric(code: UInt8) -> Metric? {
        switch code {
        case 0: return .l2
        case 1: return .cosine
        case 2: return .innerProduct
        default: return nil
        }
    }
}

/// Passes bytes on to a file's write function through a 1 MiB buffer (the index hands over many
/// small fields as well as whole arrays), hashing them with XXH64 on the way; ``finish()``
/// appends the hash as the trailer.
private struct ChecksummedWriter {
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private var hasher = XXHash64()
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    init(_ output: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.output = output
        buffer.reserveCapacity(Self.capacity)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        if buffer.count + bytes.count <= Self.capacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count < Self.capacity {
            buffer.append(contentsOf: bytes)
        } else {
            try output(bytes)  // large arrays go straight from the index's memory
        }
    }

    mutating func finish() throws {
        buffer.appendLittleEndian(hasher.finalize())
        try flush()
    }

    private mutating func flush() throws {
        try buffer.withUnsafeBytes { try output($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
