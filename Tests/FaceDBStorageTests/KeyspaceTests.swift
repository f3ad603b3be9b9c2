import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBStorage

final class KeyspaceTests: XCTestCase {
    func testFaceKeysSortLikeTheirIDs() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let ids = (0..<500).map { _ in Int64(rng.next() >> 1) }
        let byKey = ids.sorted { Keyspace.faceKey(FaceID($0)).lexicographicallyPrecedes(Keyspace.faceKey(FaceID($1))) }
        XCTAssertEqual(byKey, ids.sorted(), "seed \(rng.seed)")
        for id in ids {
            let key = Keyspace.faceKey(FaceID(id))
            XCTAssertEqual(try key.withUnsafeBytes { try Keyspace.faceID(fromKey: $0) }.rawValue, id, "seed \(rng.seed)")
        }
    }

    func testVectorRoundTripIsBitExact() throws {
        let v: [Float] = [0, -0.0, 1.5, -3.25e-7, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        let bytes = try FaceRecord(identity: "a", createdMs: 0, details: nil, vector: v).encoded()
        let decoded = try bytes.withUnsafeBytes { try FaceRecord.vector(decoding: $0, dimension: v.count) }
        XCTAssertEqual(decoded.map(\.bitPattern), v.map(\.bitPattern))
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try FaceRecord.vector(decoding: $0, dimension: 5) })
    }

    func testChangeRoundTripAndCorruptEntriesAreRejected() throws {
        let change = IndexChange(removed: [3, 9], added: [1, 2, Int64.max])
        let bytes = Keyspace.encode(change)
        XCTAssertEqual(try bytes.withUnsafeBytes { try Keyspace.decodeChange($0) }, change)
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try Array(bytes[..<cut]).withUnsafeBytes { try Keyspace.decodeChange($0) }) {
                XCTAssertEqual(($0 as? FaceDBError)?.code, .corruption)
            }
        }
    }

    func testFaceRecordRoundTrip() throws {
        let plain = FaceRecord(identity: "ada", createdMs: 1_700_000_000_123, details: nil, vector: [1, 2])
        XCTAssertEqual(try FaceRecord(decoding: try plain.encoded(), dimension: 2), plain)
        let rich = FaceRecord(
            identity: "élise 李", createdMs: -5,
            details: FaceDetails(
                source: FaceSource(
                    path: "/p/a.jpg", imageSHA256: "ab", box: [1, 2, 3, 4], landmarks: [Point(x: 1, y: 2)], quality: ["sharpness": 3]),
                metadata: .object(["k": .array([.number(1), .null])])), vector: [3, 4, 5])
        XCTAssertEqual(try FaceRecord(decoding: try rich.encoded(), dimension: 3), rich)
        let bytes = try rich.encoded()
        XCTAssertEqual(try bytes.withUnsafeBytes { try FaceRecord.identity(decoding: $0, dimension: 3) }, "élise 李")
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try FaceRecord(decoding: Array(bytes[..<cut]), dimension: 3)) {
                XCTAssertEqual(($0 as? FaceDBError)?.code, .corruption)
            }
        }
    }

    func testPrefixEndBoundsExactlyThePrefix() {
        let prefix = Keyspace.identityPrefix("ann")
        let end = Keyspace.prefixEnd(prefix)
        XCTAssertTrue(prefix.lexicographicallyPrecedes(Keyspace.identityFaceKey("ann", FaceID(Int64.max))))
        XCTAssertTrue(Keyspace.identityFaceKey("ann", FaceID(Int64.max)).lexicographicallyPrecedes(end))
        // "ann2"'s rows are outside "ann"'s range, although "ann" is a prefix of "ann2".
        XCTAssertFalse(Keyspace.identityFaceKey("ann2", FaceID(0)).lexicographicallyPrecedes(end))
    }

    func testRocksStatusPrefixesMapToCodes() {
        XCTAssertEqual(RocksStatus(message: "Corruption: block checksum mismatch"), .corruption)
        XCTAssertEqual(RocksStatus(message: "IO error: No space left on device"), .ioError)
        XCTAssertEqual(RocksStatus(message: "Invalid argument: Column family not found"), .invalidArgument)
        XCTAssertEqual(RocksStatus(message: "Not implemented: x"), .notSupported)
        XCTAssertEqual(RocksStatus(message: "Resource busy: x"), .busy)
        XCTAssertEqual(RocksStatus(message: "something else"), .unknown)
        XCTAssertEqual(RocksStatus.corruption.code, .corruption)
        XCTAssertEqual(RocksStatus.ioError.code, .io)
        XCTAssertEqual(RocksStatus.busy.code, .storageFailure)
        let error = rocksError("reading", message: "Corruption: bad block", path: "/x")
        XCTAssertEqual(error.code, .corruption)
        XCTAssertEqual(error.cause, "Corruption: bad block")
        XCTAssertNotNil(error.remedy)
    }
}
