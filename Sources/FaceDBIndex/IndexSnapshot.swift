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
/// | 4 | format version (UInt32), currently 2 |
/// | 8 | store sequence number (UInt64) |
/// | 4 + L | configuration JSON length (UInt32), then L bytes of JSON |
/// | 4 + T | efSearch tuning JSON length (UInt32, 0 for none), then T bytes of JSON (version 2 only) |
/// | 4 | dimension (UInt32) |
/// | 1 | metric: 0 l2, 1 cosine, 2 inner product |
/// | 8 + P | payload length (UInt64), then the P-byte serialized index |
/// | 8 | XXH64 (seed 0) of every byte before it |
///
/// The checksum always covers everything before the final 8 bytes, in every format version, so
/// a damaged file is told apart from one written by a newer FaceDB.
public enum IndexSnapshot {
    /// The format version this build writes, and the newest it reads (it reads 1 too).
    public static let formatVersion: UInt32 = 2
    /// The first 8 bytes of every snapshot.
    static let magic: [UInt8] = Array("FDBINDEX".utf8)
    /// Magic, version, sequence, JSON length, dimension, metric, payload length, checksum: the
    /// smallest file of any version (version 2 adds 4 bytes of tuning JSON length).
    static let minimumSize = 8 + 4 + 8 + 4 + 4 + 1 + 8 + 8

    /// A snapshot copied out of an index, ready to be written without holding the index.
    public struct Prepared: Sendable {
        /// Everything before the payload length.
        let header: [UInt8]
        /// The serialized index.
        let payload: [UInt8]
        /// The store sequence number the index reflects.
        public let sequence: UInt64
    }

    /// Copies `index` into a ``Prepared`` snapshot. Changes to the index wait only for this copy.
    ///
    /// - Parameter sequence: the store sequence number the index reflects.
    public static func prepare(_ index: VectorIndex, sequence: UInt64) throws -> Prepared {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try [UInt8](encoder.encode(index.configuration))
        let tuning = try index.efSearchTuning.map { try [UInt8](encoder.encode($0)) } ?? []
        var header = magic
        header.appendLittleEndian(formatVersion)
        header.appendLittleEndian(sequence)
        header.appendLittleEndian(UInt32(json.count))
        header.append(contentsOf: json)
        header.appendLittleEndian(UInt32(tuning.count))
        header.append(contentsOf: tuning)
        header.appendLittleEndian(UInt32(index.dimension))
        header.append(metricCode(index.metric))
        return Prepared(header: header, payload: try index.serialized(), sequence: sequence)
    }

    /// Writes a prepared snapshot atomically: to `path.tmp`, fsynced, renamed over `path`, and the
    /// directory fsynced.
    /// - Throws: ``FaceDBError/Code/io`` with the path when the file system fails.
    public static func write(_ prepared: Prepared, to path: String) throws {
        var header = prepared.header
        header.appendLittleEndian(UInt64(prepared.payload.count))
        var hasher = XXHash64()
        hasher.update(header)
        try prepared.payload.withUnsafeBytes { payload in
            hasher.update(payload)
            var trailer = [UInt8]()
            trailer.appendLittleEndian(hasher.finalize())
            try AtomicFile.write(to: path) { write in
                try header.withUnsafeBytes(write)
                try write(payload)
                try trailer.withUnsafeBytes(write)
            }
        }
    }

    /// Writes a snapshot of `index` (``prepare(_:sequence:)`` then ``write(_:to:)``).
    public static func write(_ index: VectorIndex, sequence: UInt64, to path: String) throws {
        try write(prepare(index, sequence: sequence), to: path)
    }

    /// Reads a snapshot written by ``write(_:sequence:to:)``.
    ///
    /// - Returns: the index, the sequence number it reflects and its configuration.
    /// - Throws: ``FaceDBError/Code/io`` (with the path) for a missing or unreadable file;
    ///   ``FaceDBError/Code/corruption`` for an empty, truncated or damaged file, a wrong magic,
    ///   a bad checksum or lengths that do not add up; ``FaceDBError/Code/unsupportedFormat`` for
    ///   a file from a newer FaceDB, or an IVF-PQ index of an older layout (without its exact copy of
    ///   the vectors), which must be rebuilt.
    public static func read(from path: String) throws -> (
        index: VectorIndex, sequence: UInt64, configuration: IndexConfiguration
    ) {
        let file = try AtomicFile.read(path)
        return try file.withUnsafeBytes { try parse($0, path: path) }
    }

    /// Checks and decodes the bytes of a snapshot file (`package` for the fuzz harness, `Fuzz/`).
    package static func parse(_ file: UnsafeRawBufferPointer, path: String) throws -> (
        index: VectorIndex, sequence: UInt64, configuration: IndexConfiguration
    ) {
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
        guard let sequence = reader.integer(UInt64.self),
            let jsonLength = reader.integer(UInt32.self)
        else { throw damaged("the header is cut short") }
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
            return (index, sequence, configuration)
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
