import FaceDBCore
import Foundation
import Synchronization

/// The index snapshot of an encrypted database: the plain snapshot bytes (``IndexSnapshot``)
/// sealed in chunks with the database's data key (``DataCipher``), behind a plain prefix that
/// says which state of which store it holds (ids and counters only, no data), so that opening can
/// compare it with the store before anything is decrypted.
///
/// Layout (integers little-endian; `Schemas/index-snapshot.md`, "Encrypted snapshots"):
///
/// | bytes | field |
/// | --- | --- |
/// | 8 | magic `FDBINDXE` |
/// | 4 | layout version (UInt32), 1 |
/// | 8 | store sequence number (UInt64) |
/// | 16 | the store's id |
/// | chunks | per chunk: plaintext length n (UInt32, at most 1 MiB), then n + 29 sealed bytes |
///
/// Chunk i is sealed with the associated data `"facedb index snapshot" ‖ 0x00 ‖ store id ‖
/// sequence ‖ i (UInt64) ‖ last (1 for the final chunk, else 0)`: chunks cannot be reordered,
/// dropped from the end, or moved to another snapshot.
enum SealedSnapshot {
    static let magic: [UInt8] = Array("FDBINDXE".utf8)
    static let version: UInt32 = 1
    /// Plaintext bytes per chunk.
    static let chunkSize = 1 << 20

    /// The plain prefix: magic, version, sequence, store id.
    static func prefix(sequence: UInt64, storeID: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(sequence)
        bytes.append(contentsOf: storeID)
        return bytes
    }

    static func context(storeID: [UInt8], sequence: UInt64, chunk: UInt64, last: Bool) -> [UInt8] {
        var bytes = Array("facedb index snapshot".utf8) + [0] + storeID
        bytes.appendLittleEndian(sequence)
        bytes.appendLittleEndian(chunk)
        bytes.append(last ? 1 : 0)
        return bytes
    }

    /// Seals what is written to it chunk by chunk and passes the sealed chunks on.
    final class Writer {
        private let output: (UnsafeRawBufferPointer) throws -> Void
        private let cipher: DataCipher
        private let storeID: [UInt8]
        private let sequence: UInt64
        private var buffer: [UInt8] = []
        private var chunk: UInt64 = 0

        /// Writes the plain prefix to `output` at once.
        init(_ output: @escaping (UnsafeRawBufferPointer) throws -> Void, cipher: DataCipher, sequence: UInt64, storeID: [UInt8]) throws {
            self.output = output
            self.cipher = cipher
            self.storeID = storeID
            self.sequence = sequence
            buffer.reserveCapacity(SealedSnapshot.chunkSize)
            try SealedSnapshot.prefix(sequence: sequence, storeID: storeID).withUnsafeBytes { try output($0) }
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            var rest = bytes
            while !rest.isEmpty {
                let take = min(rest.count, SealedSnapshot.chunkSize - buffer.count)
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
                rest = UnsafeRawBufferPointer(rebasing: rest[take...])
                if buffer.count == SealedSnapshot.chunkSize { try seal(last: false) }
            }
        }

        /// Seals what is left as the last chunk (possibly empty).
        func finish() throws { try seal(last: true) }

        private func seal(last: Bool) throws {
            let context = SealedSnapshot.context(storeID: storeID, sequence: sequence, chunk: chunk, last: last)
            var out: [UInt8] = []
            out.appendLittleEndian(UInt32(buffer.count))
            out += buffer.withUnsafeBytes { b in context.withUnsafeBytes { cipher.seal(b, context: $0) } }
            try out.withUnsafeBytes { try output($0) }
            buffer.removeAll(keepingCapacity: true)
            chunk += 1
        }
    }

    /// The sequence and store id of a sealed snapshot's prefix, or nil when `bytes` does not start like one.
    static func header(_ bytes: UnsafeRawBufferPointer) -> (sequence: UInt64, storeID: [UInt8])? {
        var reader = ByteReader(bytes)
        guard reader.take(magic.count).map(Array.init) == magic, reader.integer(UInt32.self) == version,
            let sequence = reader.integer(UInt64.self), let id = reader.take(16)
        else { return nil }
        return (sequence, Array(id))
    }

    /// Whether `bytes` start with the sealed snapshot's magic.
    static func isSealed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && Array(bytes.prefix(magic.count)) == magic
    }

    /// The plain snapshot bytes of a sealed file.
    /// - Throws: `.corruption` when the file is cut short, a chunk does not open (another key, altered
    ///   bytes, chunks moved) or the last chunk is missing.
    static func open(_ file: UnsafeRawBufferPointer, cipher: DataCipher, path: String) throws -> [UInt8] {
        func damaged(_ what: String) -> FaceDBError {
            FaceDBError(
                .corruption, "The encrypted index snapshot \(path) is damaged: \(what).",
                remedy: "Delete the file; the index is rebuilt from the store.", path: path)
        }
        guard let (sequence, storeID) = header(file) else { throw damaged("its header is not readable") }
        // Where each chunk's sealed bytes are, and where its plaintext goes, before anything is
        // decrypted: the plaintext is then allocated once and the chunks decrypted on every core
        // straight into it (appending chunk by chunk made a 512 MiB snapshot's open 0.6 s slower).
        var chunks: [(sealed: Range<Int>, plain: Int)] = []
        var reader = ByteReader(file)
        _ = reader.take(magic.count + 4 + 8 + 16)
        var plainSize = 0
        while reader.remaining > 0 {
            guard let length = reader.integer(UInt32.self), length <= UInt32(chunkSize) else {
                throw damaged("chunk \(chunks.count) is cut short")
            }
            let start = file.count - reader.remaining
            guard reader.take(Int(length) + DataCipher.overhead) != nil else { throw damaged("chunk \(chunks.count) is cut short") }
            chunks.append((start..<(start + Int(length) + DataCipher.overhead), plainSize))
            plainSize += Int(length)
        }
        guard !chunks.isEmpty else { throw damaged("chunk 0 is cut short") }
        let ranges = chunks
        let failed = Mutex<Int?>(nil)
        // Each chunk reads and writes its own ranges of the two buffers.
        let source = SharedPointer(file.bindMemory(to: UInt8.self).baseAddress!)
        let plain = [UInt8](unsafeUninitializedCapacity: plainSize) { buffer, initialized in
            let target = SharedPointer(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
                let (sealed, start) = ranges[i]
                let last = i == ranges.count - 1
                let context = SealedSnapshot.context(storeID: storeID, sequence: sequence, chunk: UInt64(i), last: last)
                let opened = context.withUnsafeBytes {
                    cipher.open(
                        UnsafeRawBufferPointer(start: source.base + sealed.lowerBound, count: sealed.count), context: $0,
                        into: UnsafeMutableRawBufferPointer(start: target.base + start, count: sealed.count - DataCipher.overhead))
                }
                if !opened { failed.withLock { $0 = min($0 ?? i, i) } }
            }
            initialized = plainSize
        }
        if let chunk = failed.withLock({ $0 }) {
            throw damaged(
                chunk == chunks.count - 1
                    ? "its last chunk does not decrypt (altered, another key, or chunks missing from the end)" : "chunk \(chunk) does not decrypt")
        }
        return plain
    }
}
