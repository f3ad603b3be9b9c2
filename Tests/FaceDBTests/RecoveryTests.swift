import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import Logging
import XCTest

/// A damaged, missing or stale index snapshot never stops a database from opening and never loses a face.
final class RecoveryTests: XCTestCase {
    let space = EmbeddingSpace(model: "m", dimension: 12, metric: .l2)

    /// Makes a database of `faces` random faces (HNSW, so the snapshot holds a real graph) and returns its vectors.
    func makeDatabase(at path: String, faces: Int, rng: inout SeededGenerator) throws -> [FaceID: [Float]] {
        let db = try FaceDatabase.create(
            at: path, space: space, index: IndexConfiguration(kind: .hnsw), options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        var vectors: [FaceID: [Float]] = [:]
        for p in 0..<(faces / 10) {
            let batch = (0..<10).map { _ in NewFace(identity: "p\(p)", embedding: (0..<12).map { _ in rng.nextGaussian() }) }
            for (id, f) in zip(try db.addFaces(batch, createMissingIdentities: true), batch) { vectors[id] = f.embedding }
        }
        try db.close()
        return vectors
    }

    func assertIntact(_ path: String, _ vectors: [FaceID: [Float]], expectLog: String?, seed: UInt64, line: UInt = #line) throws {
        let log = LogCapture()
        let db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: log.logger))
        defer { try? db.close() }
        XCTAssertEqual(db.faceCount, vectors.count, line: line)
        XCTAssertTrue(try db.checkIndex().isConsistent, "seed \(seed)", line: line)
        for (id, v) in vectors.prefix(50) {
            XCTAssertEqual(try db.search(v, k: 1).first?.faceID, id, "seed \(seed)", line: line)
        }
        if let expectLog {
            // A warning, with the database's directory and the face count as metadata.
            let warning = log.entries(at: .warning).first { $0.message.contains(expectLog) && $0.message.contains("rebuilding the index") }
            XCTAssertNotNil(warning, "log lines \(log.lines) lack a warning '\(expectLog)'", line: line)
            XCTAssertEqual(warning?.metadata["database"]?.description, path, line: line)
            XCTAssertEqual(warning?.metadata["faces"]?.description, "\(vectors.count)", line: line)
        } else {
            XCTAssertFalse(log.lines.contains { $0.contains("rebuilding") }, "unexpected rebuild: \(log.lines)", line: line)
        }
    }

    func testMissingSnapshotIsRebuilt() throws {
        let dir = TemporaryDirectory("recovery")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let vectors = try makeDatabase(at: dir.path("db"), faces: 300, rng: &rng)
        try FileManager.default.removeItem(atPath: dir.path("db/index.snapshot"))
        try assertIntact(dir.path("db"), vectors, expectLog: "there is no index snapshot", seed: rng.seed)
        // The rebuild wrote a fresh snapshot: the next open loads it.
        try assertIntact(dir.path("db"), vectors, expectLog: nil, seed: rng.seed)
    }

    func testTruncatedSnapshotsAreRebuilt() throws {
        let dir = TemporaryDirectory("recovery")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let vectors = try makeDatabase(at: dir.path("db"), faces: 200, rng: &rng)
        let snapshot = dir.path("db/index.snapshot")
        let original = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        for _ in 0..<6 {
            let cut = Int(rng.next() % UInt64(original.count))
            try original.prefix(cut).write(to: URL(fileURLWithPath: snapshot))
            try assertIntact(dir.path("db"), vectors, expectLog: "unusable", seed: rng.seed)
        }
        try Data().write(to: URL(fileURLWithPath: snapshot))
        try assertIntact(dir.path("db"), vectors, expectLog: "unusable", seed: rng.seed)
    }

    func testCorruptSnapshotsAreRebuilt() throws {
        let dir = TemporaryDirectory("recovery")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let vectors = try makeDatabase(at: dir.path("db"), faces: 200, rng: &rng)
        let snapshot = dir.path("db/index.snapshot")
        for _ in 0..<6 {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: snapshot))
            let at = Int(rng.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 << (rng.next() % 8))
            try bytes.write(to: URL(fileURLWithPath: snapshot))
            try assertIntact(dir.path("db"), vectors, expectLog: "unusable", seed: rng.seed)
        }
        try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: URL(fileURLWithPath: snapshot))
        try assertIntact(dir.path("db"), vectors, expectLog: "unusable", seed: rng.seed)
    }

    func testSnapshotsOlderThanTheLogOrNewerThanTheStoreAreRebuilt() throws {
        let dir = TemporaryDirectory("recovery")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let path = dir.path("db")
        let backup = dir.path("backup")
        let original = try makeDatabase(at: path, faces: 100, rng: &rng)
        try FileManager.default.copyItem(atPath: path, toPath: backup)
        let oldSnapshot = try Data(contentsOf: URL(fileURLWithPath: path + "/index.snapshot"))
        // More writes; closing writes a new snapshot and trims the log behind it.
        var vectors = original
        let db = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        let extra = (0..<30).map { _ in NewFace(identity: "p1", embedding: (0..<12).map { _ in rng.nextGaussian() }) }
        for (id, f) in zip(try db.addFaces(extra), extra) { vectors[id] = f.embedding }
        let gone = vectors.keys.sorted()[3]
        try db.removeFaces([gone])
        vectors[gone] = nil
        try db.close()
        let newSnapshot = try Data(contentsOf: URL(fileURLWithPath: path + "/index.snapshot"))
        // The old snapshot is behind the trimmed log: rebuilt.
        try oldSnapshot.write(to: URL(fileURLWithPath: path + "/index.snapshot"))
        try assertIntact(path, vectors, expectLog: "older than the change log", seed: rng.seed)
        // A store behind a newer snapshot of its own (a store restored from a backup with a newer
        // snapshot beside it, or a MANIFEST that lost its tail): writes the snapshot saw are missing,
        // so opening refuses, read-only or not, and changes nothing.
        try newSnapshot.write(to: URL(fileURLWithPath: backup + "/index.snapshot"))
        let before = try directoryDigest(backup)
        for readOnly in [false, true] {
            XCTAssertThrowsError(
                try FaceDatabase.open(at: backup, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: readOnly))
            ) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .corruption)
                XCTAssertTrue("\(error)".contains("index.snapshot"), "\(error)")
            }
        }
        XCTAssertEqual(try directoryDigest(backup), before)
        // Deleting the (derived) snapshot, as the error says for a deliberate restore, opens it.
        try FileManager.default.removeItem(atPath: backup + "/index.snapshot")
        try assertIntact(backup, original, expectLog: "there is no index snapshot", seed: rng.seed)
    }

    /// Every file under `path` with its bytes' hash, to show that nothing was changed.
    func directoryDigest(_ path: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: path)! {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            out[name] = XXHash64.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))))
        }
        return out
    }
}
