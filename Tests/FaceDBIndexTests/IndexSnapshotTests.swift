import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBIndex

/// Snapshot files round-trip, and every damaged, foreign or newer file gets the right error.
final class IndexSnapshotTests: XCTestCase {
    private func sampleIndex(_ configuration: IndexConfiguration, rows: Int, seed: UInt64) throws -> (VectorIndex, Dataset) {
        let data = Dataset.clustered(count: rows, queries: 10, dimension: 16, identities: 50, seed: seed)
        let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
        try data.add(to: index)
        try index.remove(ids: [data.ids[1], data.ids[2]])
        return (index, data)
    }

    private func snapshotBytes(seed: UInt64) throws -> [UInt8] {
        let directory = TemporaryDirectory("snapshot")
        let (index, _) = try sampleIndex(IndexConfiguration(kind: .hnsw, hnswM: 4), rows: 60, seed: seed)
        try IndexSnapshot.write(index, sequence: 9, to: directory.path("index"))
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path("index"))))
    }

    private func parse(_ bytes: [UInt8]) throws -> IndexSnapshot.Loaded {
        try bytes.withUnsafeBytes { try IndexSnapshot.parse($0, path: "test.snapshot") }
    }

    /// `bytes` with the trailing checksum recomputed, as a writer of that content would have made it.
    private func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var body = Array(bytes.dropLast(8))
        body.appendLittleEndian(XXHash64.hash(body))
        return body
    }

    /// The snapshot is streamed from the index (issue 17.5) but its bytes are those of the
    /// documented layout: header, payload length, `serialized()`, XXH64 of all of it; for every kind,
    /// big enough (400 rows × 16-D) that the vectors pass the writer's buffer as one piece.
    func testStreamedSnapshotIsTheDocumentedBytes() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("snapshot")
        for configuration in [
            IndexConfiguration(kind: .flat), IndexConfiguration(kind: .hnsw, hnswM: 8),
            IndexConfiguration(kind: .ivf, nlist: 4, nprobe: 4),
            IndexConfiguration(kind: .ivfpq, nlist: 4, nprobe: 4, pqM: 4, pqBits: 4),
        ] {
            let (index, _) = try sampleIndex(configuration, rows: 400, seed: seed)
            let path = directory.path("\(configuration.kind)")
            try IndexSnapshot.write(index, sequence: 77, to: path)
            var expected = try IndexSnapshot.header(of: index, stamp: IndexSnapshot.Stamp(sequence: 77))
            let payload = try index.serialized()
            expected.appendLittleEndian(UInt64(payload.count))
            expected += payload
            expected.appendLittleEndian(XXHash64.hash(expected))
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(written.count, expected.count, "\(configuration.kind), seed \(seed)")
            XCTAssertTrue(written == expected, "\(configuration.kind), seed \(seed)")
            XCTAssertEqual(try IndexSnapshot.read(from: path).sequence, 77)
        }
    }

    /// A writer that declines (a newer snapshot was written meanwhile) leaves the file as it was,
    /// and an error thrown while streaming leaves no temporary file behind.
    func testDeclinedOrFailedStreamLeavesTheFileAsItWas() throws {
        let directory = TemporaryDirectory("snapshot")
        let (index, _) = try sampleIndex(.flat, rows: 100, seed: 1)
        let path = directory.path("index")
        try IndexSnapshot.write(index, sequence: 5, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertNil(try IndexSnapshot.write(to: path) { _ in })
        struct Stop: Error {}
        XCTAssertThrowsError(
            try IndexSnapshot.write(to: path) { emit in
                try emit(index, IndexSnapshot.Stamp(sequence: 6))
                throw Stop()
            })
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
        XCTAssertEqual(try IndexSnapshot.write(to: path) { emit in try emit(index, IndexSnapshot.Stamp(sequence: 7)) }, 7)
        XCTAssertEqual(try IndexSnapshot.read(from: path).sequence, 7)
    }

    func testWriteAndReadRoundTripForEveryState() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("snapshot")
        let configurations = [
            IndexConfiguration(kind: .hnsw, hnswM: 8),
            IndexConfiguration(kind: .ivf, nlist: 8, nprobe: 4),  // trained at 312
            IndexConfiguration(kind: .ivfpq, nlist: 4, nprobe: 2, pqM: 4, pqBits: 4),
            IndexConfiguration.flat,
        ]
        for (i, configuration) in configurations.enumerated() {
            let (index, data) = try sampleIndex(configuration, rows: 400, seed: seed)
            let path = directory.path("index-\(i)")
            try IndexSnapshot.write(index, sequence: 1_000 + UInt64(i), to: path)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))

            let loaded = try IndexSnapshot.read(from: path)
            let (restored, sequence, stored) = (loaded.index, loaded.sequence, loaded.configuration)
            XCTAssertEqual(sequence, 1_000 + UInt64(i))
            XCTAssertEqual(stored, configuration)
            XCTAssertEqual(restored.configuration, configuration)
            XCTAssertEqual(restored.dimension, 16)
            XCTAssertEqual(restored.metric, .l2)
            XCTAssertEqual(restored.count, index.count, "\(configuration); seed \(seed)")
            XCTAssertEqual(
                try restored.search(data.queries, k: 5), try index.search(data.queries, k: 5),
                "\(configuration); seed \(seed)")
        }
        // A staging IVF index and a cosine space.
        let staging = try VectorIndex(configuration: IndexConfiguration(kind: .ivf), dimension: 4, metric: .cosine)
        try staging.add(ids: [10, 20], vectors: [1, 0, 0, 0, 0, 1, 0, 0])
        try IndexSnapshot.write(staging, sequence: 3, to: directory.path("staging"))
        let restored = try IndexSnapshot.read(from: directory.path("staging")).index
        XCTAssertFalse(restored.isTrained)
        XCTAssertEqual(restored.metric, .cosine)
        XCTAssertEqual(try restored.search([0, 1, 0, 0], k: 1)[0].first?.id, 20)
    }

    func testEfSearchTuningRoundTrips() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("snapshot")
        let (index, data) = try sampleIndex(IndexConfiguration(kind: .hnsw, hnswM: 8), rows: 1_200, seed: seed)
        let tuning = try XCTUnwrap(try index.tuneEfSearch(sampleSize: 64))
        try IndexSnapshot.write(index, sequence: 5, to: directory.path("tuned"))
        let restored = try IndexSnapshot.read(from: directory.path("tuned")).index
        XCTAssertEqual(restored.efSearchTuning, tuning)
        XCTAssertEqual(restored.efSearch, tuning.efSearch)
        XCTAssertEqual(try restored.search(data.queries, k: 5), try index.search(data.queries, k: 5), "seed \(seed)")

        // An explicit efSearch carries no tuning.
        let (explicit, _) = try sampleIndex(IndexConfiguration(kind: .hnsw, hnswM: 8, efSearch: 40), rows: 1_200, seed: seed)
        XCTAssertNil(try explicit.tuneEfSearch())
        try IndexSnapshot.write(explicit, sequence: 6, to: directory.path("explicit"))
        let reread = try IndexSnapshot.read(from: directory.path("explicit")).index
        XCTAssertNil(reread.efSearchTuning)
        XCTAssertEqual(reread.efSearch, 40)
    }

    /// Files of format version 1 (no tuning field) are still read; an IVF-PQ index of payload
    /// version 1, which lacks the exact copy of its vectors, is refused as an older format (the
    /// database rebuilds it).
    func testVersionOneFilesAreReadExceptOldIVFPQ() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let directory = TemporaryDirectory("snapshot")
        for configuration in [
            IndexConfiguration(kind: .hnsw, hnswM: 4, efSearch: 32),
            IndexConfiguration(kind: .ivfpq, nlist: 4, nprobe: 2, pqM: 4, pqBits: 4),
        ] {
            let (index, data) = try sampleIndex(configuration, rows: 400, seed: seed)
            try IndexSnapshot.write(index, sequence: 7, to: directory.path("v2"))
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path("v2"))))
            bytes.removeSubrange(20..<44)  // version 3's store id and digest
            let jsonLength = Int(bytes[20]) | Int(bytes[21]) << 8
            var v1 = bytes
            v1.removeSubrange(24 + jsonLength..<28 + jsonLength)  // the empty tuning field
            v1.replaceSubrange(8..<12, with: [1, 0, 0, 0])
            if configuration.kind == .hnsw {
                let restored = try parse(resealed(v1)).index
                XCTAssertEqual(try restored.search(data.queries, k: 5), try index.search(data.queries, k: 5), "seed \(seed)")
                continue
            }
            // The payload as version 1 wrote it: its own version 1 and no refine factor.
            let payloadStart = 24 + jsonLength + 4 + 1 + 8
            v1.replaceSubrange(payloadStart + 4..<payloadStart + 8, with: [1, 0, 0, 0])
            v1.removeSubrange(payloadStart + 48..<payloadStart + 52)
            let payloadLength = UInt64(v1.count - 8 - payloadStart)
            withUnsafeBytes(of: payloadLength.littleEndian) { v1.replaceSubrange(payloadStart - 8..<payloadStart, with: $0) }
            let error = assertFaceDBError(.unsupportedFormat, "seed \(seed)") { try parse(resealed(v1)) }
            XCTAssertEqual(error?.path, "test.snapshot")
        }
    }

    func testRewritingReplacesTheSnapshot() throws {
        let directory = TemporaryDirectory("snapshot")
        let index = try VectorIndex(configuration: .flat, dimension: 2, metric: .l2)
        try index.add(ids: [1], vectors: [0, 0])
        try IndexSnapshot.write(index, sequence: 1, to: directory.path("index"))
        try index.add(ids: [2], vectors: [1, 1])
        try IndexSnapshot.write(index, sequence: 2, to: directory.path("index"))
        let loaded = try IndexSnapshot.read(from: directory.path("index"))
        let (restored, sequence) = (loaded.index, loaded.sequence)
        XCTAssertEqual(sequence, 2)
        XCTAssertEqual(try restored.allIDs(), [1, 2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["index"])
    }

    func testMissingFileIsAnIOErrorNamingThePath() {
        let directory = TemporaryDirectory("snapshot")
        let path = directory.path("nothing-here")
        let error = assertFaceDBError(.io) { try IndexSnapshot.read(from: path) }
        XCTAssertEqual(error?.path, path)
        assertFaceDBError(.io, "a directory") { try IndexSnapshot.read(from: directory.path) }
    }

    func testWriteIntoMissingDirectoryIsAnIOError() throws {
        let directory = TemporaryDirectory("snapshot")
        let index = try VectorIndex(configuration: .flat, dimension: 2, metric: .l2)
        let error = assertFaceDBError(.io) {
            try IndexSnapshot.write(index, sequence: 1, to: directory.path("missing/index"))
        }
        XCTAssertNotNil(error?.cause)
    }

    func testEmptyFileIsCorrupt() throws {
        let directory = TemporaryDirectory("snapshot")
        let path = directory.path("index")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        let error = assertFaceDBError(.corruption) { try IndexSnapshot.read(from: path) }
        XCTAssertEqual(error?.path, path)
    }

    func testTruncationAtEveryOffsetIsCorrupt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let bytes = try snapshotBytes(seed: seed)
        for length in 0..<bytes.count {
            let error = assertFaceDBError(.corruption, "cut at \(length) of \(bytes.count); seed \(seed)") {
                try parse(Array(bytes.prefix(length)))
            }
            if error == nil { break }
        }
        // The same through a real file, at a few offsets.
        let directory = TemporaryDirectory("snapshot")
        for length in [1, 7, 8, 30, bytes.count / 2, bytes.count - 1] {
            let path = directory.path("cut-\(length)")
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            assertFaceDBError(.corruption, "file cut at \(length)") { try IndexSnapshot.read(from: path) }
        }
    }

    func testEveryFlippedBitIsCaught() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let bytes = try snapshotBytes(seed: seed)
        for bit in stride(from: 0, to: bytes.count * 8, by: 3) {
            var damaged = bytes
            damaged[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            let error = assertFaceDBError(.corruption, "bit \(bit) of \(bytes.count * 8); seed \(seed)") {
                try parse(damaged)
            }
            if error == nil { break }
        }
    }

    func testWrongMagicIsCorrupt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var bytes = try snapshotBytes(seed: seed)
        bytes[0] = UInt8(ascii: "X")
        let error = assertFaceDBError(.corruption) { try parse(bytes) }
        XCTAssertTrue(error?.message.contains("not a FaceDB index snapshot") ?? false, String(describing: error))
        assertFaceDBError(.corruption) { try parse(Array("{\"json\": true, \"padding\": \"...................\"}".utf8)) }
    }

    func testNewerVersionIsUnsupportedFormat() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var bytes = try snapshotBytes(seed: seed)
        bytes.replaceSubrange(8..<12, with: [4, 0, 0, 0])
        let error = assertFaceDBError(.unsupportedFormat) { try parse(resealed(bytes)) }
        XCTAssertTrue(error?.message.contains("version 4") ?? false, String(describing: error))
        // Without a matching checksum the same change is damage, not a newer file.
        assertFaceDBError(.corruption) { try parse(bytes) }
        bytes.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        assertFaceDBError(.corruption, "version 0") { try parse(resealed(bytes)) }
    }

    func testFieldsThatDoNotAddUpAreCorrupt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let bytes = try snapshotBytes(seed: seed)
        let j = 44  // the configuration length, after version 3's store id and digest
        let jsonLength = Int(bytes[j]) | Int(bytes[j + 1]) << 8
        XCTAssertEqual(bytes[j + 4 + jsonLength..<j + 8 + jsonLength], [0, 0, 0, 0], "no tuning in this snapshot")
        let afterJSON = j + 8 + jsonLength  // dimension (4), metric (1), payload length (8)

        func patched(_ range: Range<Int>, _ value: [UInt8]) -> [UInt8] {
            var copy = bytes
            copy.replaceSubrange(range, with: value)
            return resealed(copy)
        }
        let cases: [(String, [UInt8])] = [
            ("configuration length too long", patched(j..<j + 4, [0xFF, 0xFF, 0, 0])),
            ("configuration length one short", patched(j..<j + 4, [UInt8(jsonLength - 1), UInt8(jsonLength >> 8), 0, 0])),
            ("configuration not JSON", patched(j + 4..<j + 5, [UInt8(ascii: "!")])),
            ("tuning length too long", patched(afterJSON - 4..<afterJSON, [0xFF, 0xFF, 0, 0])),
            ("tuning length swallowing the dimension", patched(afterJSON - 4..<afterJSON, [4, 0, 0, 0])),
            ("dimension differs from the payload", patched(afterJSON..<afterJSON + 4, [32, 0, 0, 0])),
            ("dimension zero", patched(afterJSON..<afterJSON + 4, [0, 0, 0, 0])),
            ("metric unknown", patched(afterJSON + 4..<afterJSON + 5, [9])),
            ("metric differs from the payload", patched(afterJSON + 4..<afterJSON + 5, [2])),
            ("payload length one short", patched(afterJSON + 5..<afterJSON + 6, [bytes[afterJSON + 5] &- 1])),
            ("payload length huge", patched(afterJSON + 5..<afterJSON + 13, [0, 0, 0, 0, 0, 0, 0, 0x80])),
            ("payload damaged", patched(afterJSON + 13..<afterJSON + 14, [0])),
            ("byte appended", resealed(Array(bytes.dropLast(8)) + [0, 0, 0, 0, 0, 0, 0, 0, 0])),
        ]
        for (what, damaged) in cases {
            let error = assertFaceDBError(.corruption, "\(what); seed \(seed)") { try parse(damaged) }
            XCTAssertEqual(error?.path, "test.snapshot", what)
        }
    }

    /// Version 3 records the store's id and the digest of the index's vectors; the header reader
    /// finds the sequence and store id without loading the index.
    func testStoreIDAndDigestRoundTripAndTheHeaderIsReadAlone() throws {
        let directory = TemporaryDirectory("snapshot")
        let (index, _) = try sampleIndex(.flat, rows: 30, seed: 3)
        let id: [UInt8] = (0..<16).map { UInt8($0 * 7 + 1) }
        try IndexSnapshot.write(index, sequence: 42, storeID: id, digest: VectorDigest(value: 0xDEAD_BEEF), to: directory.path("s"))
        let loaded = try IndexSnapshot.read(from: directory.path("s"))
        XCTAssertEqual(loaded.storeID, id)
        XCTAssertEqual(loaded.digest, VectorDigest(value: 0xDEAD_BEEF))
        XCTAssertEqual(loaded.sequence, 42)
        XCTAssertEqual(IndexSnapshot.header(at: directory.path("s")), IndexSnapshot.Header(sequence: 42, storeID: id))
        XCTAssertNil(IndexSnapshot.header(at: directory.path("missing")))
        try Data("not a snapshot at all, just text".utf8).write(to: URL(fileURLWithPath: directory.path("text")))
        XCTAssertNil(IndexSnapshot.header(at: directory.path("text")))
    }

}
