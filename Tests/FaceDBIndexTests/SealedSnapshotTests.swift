import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBIndex

/// The index snapshot of an encrypted database (`Schemas/index-snapshot.md`, "Encrypted
/// snapshots"): it opens with its key into exactly the index written, in the documented chunks,
/// and every altered, reordered, cut or foreign file is refused as damaged.
final class SealedSnapshotTests: XCTestCase {
    /// A Flat index whose snapshot is 2.6 MB: three chunks, the last one partial.
    private func writeSealed(seed: UInt64, cipher: DataCipher, to path: String) throws -> (VectorIndex, Dataset, IndexSnapshot.Stamp) {
        let data = Dataset.random(count: 5_000, queries: 20, dimension: 128, seed: seed)
        let index = try VectorIndex(configuration: IndexConfiguration(kind: .flat), dimension: 128, metric: .l2)
        try data.add(to: index)
        var generator = SeededGenerator(seed: seed)
        let stamp = IndexSnapshot.Stamp(sequence: 41, storeID: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try IndexSnapshot.write(to: path, cipher: cipher) { emit in try emit(index, stamp) }
        return (index, data, stamp)
    }

    /// The offsets of each chunk's length field, read by the documented layout.
    private func chunkOffsets(_ file: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var at = 36
        while at < file.count {
            offsets.append(at)
            let length = file[at..<at + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            at += 4 + length + DataCipher.overhead
        }
        return offsets
    }

    private func cipher(_ byte: UInt8) -> DataCipher { DataCipher(key: Array(repeating: byte, count: 32)) }

    private func assertDamaged(_ path: String, cipher: DataCipher, saying words: String, _ context: String) {
        XCTAssertThrowsError(try IndexSnapshot.read(from: path, cipher: cipher), context) { error in
            let error = error as? FaceDBError
            XCTAssertEqual(error?.code, .corruption, context)
            XCTAssertTrue(error?.message.contains(words) == true, "\(error?.message ?? "nil") should say \(words); \(context)")
        }
    }

    func testASealedSnapshotOpensIntoTheIndexWrittenInDocumentedChunks() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("sealed-snapshot")
        let path = directory.path("index.snapshot")
        let (index, data, stamp) = try writeSealed(seed: seed, cipher: cipher(7), to: path)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(file[0..<8]), Array("FDBINDXE".utf8))
        XCTAssertEqual(Array(file[20..<36]), stamp.storeID)
        let offsets = chunkOffsets(file)
        XCTAssertEqual(offsets.count, 3, "seed \(seed)")
        XCTAssertEqual(Array(file[offsets[0]..<offsets[0] + 4]), [0, 0, 16, 0], "a full chunk holds 1 MiB")

        let loaded = try IndexSnapshot.read(from: path, cipher: cipher(7))
        XCTAssertEqual(loaded.sequence, 41)
        XCTAssertEqual(loaded.storeID, stamp.storeID)
        XCTAssertTrue(try loaded.index.serialized() == index.serialized(), "seed \(seed)")
        XCTAssertEqual(
            try loaded.index.search(data.queries, k: 5).map { $0.map(\.id) }, try index.search(data.queries, k: 5).map { $0.map(\.id) },
            "seed \(seed)")
        // Nothing of the plain payload is in the file: no 16-byte window of the vectors.
        let plain = try index.serialized()
        let haystack = Data(file)
        for start in stride(from: plain.count / 2, to: plain.count - 16, by: 65_536) {
            XCTAssertNil(haystack.range(of: Data(plain[start..<start + 16])), "plain bytes at \(start); seed \(seed)")
        }
    }

    func testAlteredReorderedCutOrForeignSnapshotsAreRefused() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("sealed-snapshot")
        let path = directory.path("index.snapshot")
        _ = try writeSealed(seed: seed, cipher: cipher(7), to: path)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let offsets = chunkOffsets(file)
        func attempt(_ bytes: [UInt8], key: UInt8 = 7, saying words: String, _ what: String) throws {
            let damaged = directory.path("damaged")
            try Data(bytes).write(to: URL(fileURLWithPath: damaged))
            assertDamaged(damaged, cipher: cipher(key), saying: words, "\(what); seed \(seed)")
        }
        try attempt(file, key: 8, saying: "chunk 0 does not decrypt", "another key")
        var flipped = file
        flipped[offsets[1] + 100] ^= 1
        try attempt(flipped, saying: "chunk 1 does not decrypt", "a byte of chunk 1 altered")
        flipped = file
        flipped[file.count - 1] ^= 0x80
        try attempt(flipped, saying: "last chunk", "the last tag altered")
        // Chunks 0 and 1 swapped (both full, so the layout still parses).
        let swapped =
            Array(file[..<offsets[0]]) + Array(file[offsets[1]..<offsets[2]]) + Array(file[offsets[0]..<offsets[1]])
            + Array(file[offsets[2]...])
        try attempt(swapped, saying: "chunk 0 does not decrypt", "chunks swapped")
        try attempt(Array(file[..<offsets[2]]), saying: "last chunk", "the last chunk dropped")
        try attempt(Array(file[..<(offsets[1] + 500)]), saying: "chunk 1 is cut short", "cut inside chunk 1")
        try attempt(Array(file[..<offsets[0]]), saying: "chunk 0 is cut short", "no chunk at all")
        // The prefix is bound too: the same chunks under another sequence number do not open.
        var resequenced = file
        resequenced[12] ^= 1
        try attempt(resequenced, saying: "chunk 0 does not decrypt", "another sequence in the prefix")
        XCTAssertThrowsError(try IndexSnapshot.read(from: path)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .corruption) }
    }
}
