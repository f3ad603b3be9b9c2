import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import Logging
import XCTest

/// Damaged files are refused or reported, never accepted (issue 17 item 3). Each case damages a
/// copy of a real database the way the issue saw it, then checks that opening (read-only and for
/// writing) and `facedb check` refuse it and change nothing, or, for the derived index snapshot,
/// that it is rebuilt and every face is found.
final class DamageTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUp() { directory = TemporaryDirectory("damage") }
    override func tearDown() { directory = nil }

    func crashImage(batches: Int, rng: inout SeededGenerator) throws -> (path: String, batches: [[FaceID: [Float]]]) {
        try FaultFixture.crashImage(in: directory, batches: batches, rng: &rng)
    }

    /// Seen: one byte flipped in the middle of the log lost hundreds of acknowledged faces, silently.
    func testAByteFlippedInTheMiddleOfTheLogIsRefusedAndNothingChanges() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let (image, batches) = try crashImage(batches: 40, rng: &rng)
        let logs = try FaultFixture.storeFiles(image) { $0.hasSuffix(".log") }
        let log = try XCTUnwrap(logs.max { try! FaultFixture.size($0) < FaultFixture.size($1) })
        let original = try Data(contentsOf: URL(fileURLWithPath: log))
        try FaultFixture.flip(log, at: original.count / 2)
        try FaultFixture.assertRefused(image, mentions: ["RocksDB"], "flipped log byte; seed \(seed)")
        // Put back, it opens whole: the refusal destroyed nothing.
        try original.write(to: URL(fileURLWithPath: log))
        try FaultFixture.assertHolds(image, batches.reduce(into: [:]) { $0.merge($1) { a, _ in a } }, "restored log; seed \(seed)")
    }

    /// A crash can tear only the log's last record: that is recovered, losing at most that write.
    func testATornLastRecordLosesAtMostTheLastWrite() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let (image, batches) = try crashImage(batches: 12, rng: &rng)
        let log = try XCTUnwrap(
            try FaultFixture.storeFiles(image) { $0.hasSuffix(".log") }.max { try! FaultFixture.size($0) < FaultFixture.size($1) })
        try FaultFixture.truncate(log, to: try FaultFixture.size(log) - 7)
        let db = try FaceDatabase.open(at: image, options: FaultFixture.quiet)
        defer { try? db.close() }
        for (b, batch) in batches.enumerated() {
            for (id, vector) in batch {
                let face = try db.face(id)
                if b < batches.count - 1 { XCTAssertEqual(face?.embedding, vector, "batch \(b); seed \(seed)") }
            }
        }
        XCTAssertEqual(db.faceCount, 10 * (batches.count - 1), "seed \(seed)")
        XCTAssertTrue(try db.checkIndex(full: true).isConsistent)
    }

    /// Seen: a MANIFEST cut in half passed `check`, which overwrote the good snapshot, and RocksDB
    /// deleted the table files holding every face.
    func testAManifestCutInHalfIsRefusedAndNoTableFileIsDeleted() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        // Whether some cut leaves an older state depends on how RocksDB's flushes and compactions
        // fell into the last MANIFEST, which the machine's load changes (a full test run once left
        // none in 12 cuts, and 1 run in 4 under two busy cores). The safety checks hold for every
        // database; up to three are made until one exercises the older-state detection.
        var olderStates = 0
        for attempt in 0..<3 where olderStates == 0 {
            olderStates = try cutManifest(attempt: attempt, rng: &rng, seed: seed)
        }
        XCTAssertGreaterThan(olderStates, 0, "no cut left an older state to detect; seed \(seed)")
    }

    /// Cuts the last MANIFEST of a fresh database at 25 places; returns how many cuts were caught as
    /// an older state.
    private func cutManifest(attempt: Int, rng: inout SeededGenerator, seed: UInt64) throws -> Int {
        let path = directory.path("db-\(attempt)")
        let vectors = try FaultFixture.database(at: path, rounds: 5, perRound: 120, rng: &rng)
        let manifest = try XCTUnwrap(try FaultFixture.storeFiles(path) { $0.hasPrefix("MANIFEST-") }.last)
        let original = try Data(contentsOf: URL(fileURLWithPath: manifest))
        let tables = try FaultFixture.storeFiles(path) { $0.hasSuffix(".sst") }
        XCTAssertGreaterThanOrEqual(tables.count, 5)
        // RocksDB refuses some cuts itself; others open as an older state of the store (the lost
        // edits' table files would then be deleted as obsolete), which the sequence of the index
        // snapshot gives away; a cut that only drops edits whose effects are still on disk (a last
        // log-number record) loses nothing. Each cut must be refused with nothing changed, or open
        // with every face.
        let pristine = directory.path("pristine-\(attempt)")
        try FileManager.default.copyItem(atPath: path, toPath: pristine)
        var olderStates = 0
        for step in 1...25 {
            let length = original.count * step / 26
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: pristine, toPath: path)
            try FaultFixture.truncate(manifest, to: length)
            let context = "MANIFEST cut at \(length) of \(original.count); seed \(seed)"
            var refused = true
            do {
                try FaceDatabase.open(at: path, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true)).close()
                refused = false
            } catch let error as FaceDBError where error.message.contains("acknowledged writes are missing") {
                olderStates += 1
            } catch {}
            if refused {
                try FaultFixture.assertRefused(path, context)
                XCTAssertEqual(try FaultFixture.storeFiles(path) { $0.hasSuffix(".sst") }, tables, "a table file was deleted; \(context)")
            } else {
                try FaultFixture.assertHolds(path, vectors, "opened: \(context)")
            }
        }
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: pristine, toPath: path)
        try FaultFixture.assertHolds(path, vectors, "MANIFEST intact; seed \(seed)")
        return olderStates
    }

    /// A damaged table file: a cut one fails the open, a flipped byte in its data fails `check --full`
    /// (RocksDB verifies every block's checksum); neither is accepted, and nothing is changed.
    func testADamagedTableFileIsRefusedOrReported() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let vectors = try FaultFixture.database(at: path, rounds: 2, perRound: 600, rng: &rng)
        let biggest = try XCTUnwrap(
            try FaultFixture.storeFiles(path) { $0.hasSuffix(".sst") }.max { try! FaultFixture.size($0) < FaultFixture.size($1) })
        let original = try Data(contentsOf: URL(fileURLWithPath: biggest))

        try FaultFixture.truncate(biggest, to: original.count - 100)
        try FaultFixture.assertRefused(path, "table file cut short; seed \(seed)")
        try original.write(to: URL(fileURLWithPath: biggest))

        try FaultFixture.flip(biggest, at: original.count / 3)
        let before = try FaultFixture.contents(path)
        let check = try runFacedb(["check", path, "--full"])
        XCTAssertEqual(check.status, 1, check.stdout + check.stderr)
        XCTAssertTrue(check.stderr.contains("damaged") || check.stderr.contains("Corruption"), check.stderr)
        XCTAssertEqual(try FaultFixture.contents(path), before)
        try original.write(to: URL(fileURLWithPath: biggest))
        try FaultFixture.assertHolds(path, vectors, "table file restored; seed \(seed)")
    }

    /// Seen: a snapshot copied from another database of the same shape passed `check`, and every
    /// answer was wrong (it compared ids only).
    func testASnapshotOfAnotherStoreIsReportedAndRebuilt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let mine = directory.path("mine")
        let other = directory.path("other")
        let vectors = try FaultFixture.database(at: mine, rounds: 2, perRound: 50, rng: &rng)
        _ = try FaultFixture.database(at: other, rounds: 2, perRound: 50, rng: &rng)
        try FileManager.default.removeItem(atPath: mine + "/index.snapshot")
        try FileManager.default.copyItem(atPath: other + "/index.snapshot", toPath: mine + "/index.snapshot")
        let check = try runFacedb(["check", mine])
        XCTAssertEqual(check.status, 1, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("another store"), check.stdout)
        let log = LogCapture()
        let db = try FaceDatabase.open(at: mine, options: DatabaseOptions(logger: log.logger))
        XCTAssertTrue(
            log.entries(at: .warning).contains { $0.message.contains("another store") && $0.message.contains("rebuilding") },
            "\(log.lines)")
        try db.close()
        try FaultFixture.assertHolds(mine, vectors, "foreign snapshot; seed \(seed)")
        XCTAssertEqual(try runFacedb(["check", mine]).status, 0)
    }

    /// A snapshot of this same store at the same sequence that holds other vectors (the store
    /// restored from a copy that then took other writes): the digests differ, so it is rebuilt.
    func testASnapshotWithOtherVectorsIsRebuilt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let twin = directory.path("twin")
        var vectors = try FaultFixture.database(at: path, rounds: 1, perRound: 40, rng: &rng)
        try FileManager.default.copyItem(atPath: path, toPath: twin)
        // The same write (same sequence, same new id) with different vectors in each copy.
        for (copy, keep) in [(twin, false), (path, true)] {
            let db = try FaceDatabase.open(at: copy, options: FaultFixture.quiet)
            let face = NewFace(identity: "late", embedding: FaultFixture.vector(&rng))
            let id = try db.addFaces([face], createMissingIdentities: true)[0]
            if keep { vectors[id] = face.embedding }
            try db.close()
        }
        try FileManager.default.removeItem(atPath: path + "/index.snapshot")
        try FileManager.default.copyItem(atPath: twin + "/index.snapshot", toPath: path + "/index.snapshot")
        let check = try runFacedb(["check", path])
        XCTAssertEqual(check.status, 1, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("vectors differ"), check.stdout)
        try FaultFixture.assertHolds(path, vectors, "snapshot with other vectors; seed \(seed)")
    }

    /// A flipped bit or a cut anywhere in the snapshot: it is rebuilt, nothing is lost.
    func testADamagedSnapshotIsRebuilt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let vectors = try FaultFixture.database(at: path, rounds: 1, perRound: 80, rng: &rng)
        let snapshot = path + "/index.snapshot"
        let original = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        for damage in 0..<4 {
            try original.write(to: URL(fileURLWithPath: snapshot))
            let offset = Int(rng.next() % UInt64(original.count))
            if damage % 2 == 0 { try FaultFixture.flip(snapshot, at: offset) } else { try FaultFixture.truncate(snapshot, to: offset) }
            let check = try runFacedb(["check", path])
            XCTAssertEqual(check.status, 1, "damage \(damage) at \(offset): \(check.stdout); seed \(seed)")
            try FaultFixture.assertHolds(path, vectors, "damage \(damage) at \(offset); seed \(seed)")
        }
    }
}
