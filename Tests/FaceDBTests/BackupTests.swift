import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Backups are whole databases of the state they were taken at; restores never overwrite; a
/// read-only handle beside a writer sees the writer's state as of its open.
final class BackupTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    func faces(_ count: Int, prefix: String, rng: inout SeededGenerator) -> [NewFace] {
        (0..<count).map { i in NewFace(identity: "\(prefix)\(i % 25)", embedding: (0..<16).map { _ in rng.nextGaussian() }) }
    }

    /// The backup's faces, as (id, identity, vector), for comparing two databases exactly.
    func contents(_ db: FaceDatabase) throws -> [String] {
        var rows: [String] = []
        for identity in try db.identities() {
            for face in try db.faces(of: identity.id) { rows.append("\(face.id.rawValue) \(face.identity) \(face.embedding)") }
        }
        return rows.sorted()
    }

    func testABackupOfAWriterHoldsItsStateAndOpensFromItsOwnSnapshot() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("backup")
        let db = try FaceDatabase.create(
            at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), index: IndexConfiguration(kind: .hnsw),
            options: quiet)
        defer { try? db.close() }
        try db.addFaces(faces(3_000, prefix: "a", rng: &rng), createMissingIdentities: true)
        try db.removeIdentity("a7")
        let expected = try contents(db)
        let report = try db.backup(to: dir.path("backup"))
        XCTAssertEqual(report.method, .checkpoint)
        XCTAssertEqual(report.faces, db.faceCount)
        // Writes after the backup are not in it.
        try db.addFaces(faces(10, prefix: "later", rng: &rng), createMissingIdentities: true)

        let copy = try FaceDatabase.open(at: dir.path("backup"), options: quiet)
        defer { try? copy.close() }
        XCTAssertEqual(try contents(copy), expected, "seed \(rng.seed)")
        let check = try copy.checkIndex(full: true)
        XCTAssertTrue(check.isConsistent, "\(check)")
        XCTAssertNil(check.snapshotProblem, "the backup's index snapshot is of its own state: no rebuild")
        XCTAssertEqual(try copy.stats().index.kind, .hnsw)
        let probe = try db.faces(of: "a3")[0]
        XCTAssertEqual(try copy.search(probe.embedding, k: 1).first?.faceID, probe.id)
    }

    func testABackupIsOnlyWrittenToANewDirectoryOutsideTheDatabase() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("backup")
        let db = try FaceDatabase.create(at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), options: quiet)
        defer { try? db.close() }
        try db.addFaces(faces(50, prefix: "a", rng: &rng), createMissingIdentities: true)
        let existing = dir.path("existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: false)
        try "keep".write(toFile: existing + "/file", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.path("dangling"), withDestinationPath: dir.path("nowhere"))
        for (target, words) in [
            (existing, "already exists"), (dir.path("dangling"), "already exists"), (dir.path("db/inside"), "inside"),
            (dir.path("no/such/parent"), "does not exist"),
        ] {
            XCTAssertThrowsError(try db.backup(to: target), target) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .refusedOutput, "\(error)")
                XCTAssertTrue((error as? FaceDBError)?.message.contains(words) ?? false, "\(error)")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: existing + "/file", encoding: .utf8), "keep")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("nowhere")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path("")).filter { $0.contains("partial") }, [])
    }

    /// A read-only handle opened while a writer holds the database reads beside it: it sees what
    /// was written before it opened, not what comes after, and its backup is that state.
    func testAReaderBesideAWriterSeesTheWritesBeforeItOpenedAndBacksThemUp() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("beside")
        let key = EncryptionKey.random()
        let writerOptions = DatabaseOptions(logger: DatabaseOptions.silentLogger, key: key)
        let writer = try FaceDatabase.create(
            at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: 16, metric: .cosine), index: IndexConfiguration(kind: .flat),
            options: writerOptions)
        defer { try? writer.close() }
        try writer.addFaces(faces(2_000, prefix: "a", rng: &rng), createMissingIdentities: true)
        try writer.addFaces(faces(30, prefix: "b", rng: &rng), createMissingIdentities: true)
        try writer.removeFaces([try writer.faces(of: "a1")[0].id])
        let before = try contents(writer)

        let readerOptions = DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true, key: key)
        let reader = try FaceDatabase.open(at: dir.path("db"), options: readerOptions)
        defer { try? reader.close() }
        XCTAssertTrue(reader.isBesideWriter)
        XCTAssertFalse(writer.isBesideWriter)
        try writer.addFaces(faces(40, prefix: "c", rng: &rng), createMissingIdentities: true)
        XCTAssertEqual(try contents(reader), before, "seed \(rng.seed)")
        XCTAssertTrue(try reader.checkIndex(full: true).isConsistent)
        XCTAssertThrowsError(try reader.addFaces(faces(1, prefix: "x", rng: &rng), createMissingIdentities: true)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .readOnly)
        }
        let probe = try writer.faces(of: "b4")[0]
        XCTAssertEqual(try reader.search(probe.embedding, k: 1).first?.faceID, probe.id)

        let report = try reader.backup(to: dir.path("backup"))
        XCTAssertEqual(report.method, .copy)
        XCTAssertThrowsError(try FaceDatabase.open(at: dir.path("backup"), options: quiet)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .keyRequired, "an encrypted database's backup is encrypted")
        }
        let copy = try FaceDatabase.open(at: dir.path("backup"), options: writerOptions)
        defer { try? copy.close() }
        XCTAssertEqual(try contents(copy), before, "seed \(rng.seed)")
        let check = try copy.checkIndex(full: true)
        XCTAssertTrue(check.isConsistent, "\(check)")
        XCTAssertNil(check.snapshotProblem)
        // A reader opened after the writer's new faces sees them; the first one does after refresh(),
        // renamed and removed identities included.
        let later = try FaceDatabase.open(at: dir.path("db"), options: readerOptions)
        defer { try? later.close() }
        XCTAssertEqual(try contents(later), try contents(writer))
        try writer.renameIdentity("b4", to: "renamed")
        try writer.removeIdentity("a2")
        try writer.addFaces(faces(3_000, prefix: "d", rng: &rng), createMissingIdentities: true)
        try reader.refresh()
        XCTAssertEqual(try contents(reader), try contents(writer), "seed \(rng.seed)")
        XCTAssertEqual(reader.faceCount, writer.faceCount)
        XCTAssertEqual(try reader.search(probe.embedding, k: 1).first?.identity, "renamed")
        XCTAssertTrue(try reader.checkIndex(full: true).isConsistent)
        try writer.checkpoint()  // the writer's snapshot moves on and its change log is cut behind it
        try writer.addFaces(faces(5, prefix: "e", rng: &rng), createMissingIdentities: true)
        try reader.refresh()
        XCTAssertEqual(try contents(reader), try contents(writer), "after the writer's snapshot; seed \(rng.seed)")
    }

    func testRestoreCopiesIntoANewDirectoryOnlyAndChecksTheCopy() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("restore")
        let db = try FaceDatabase.create(at: dir.path("db"), space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), options: quiet)
        try db.addFaces(faces(500, prefix: "a", rng: &rng), createMissingIdentities: true)
        try db.backup(to: dir.path("backup"))
        let expected = try contents(db)
        try db.close()

        try FaceDatabase.restore(backup: dir.path("backup"), to: dir.path("restored"), options: quiet)
        let restored = try FaceDatabase.open(at: dir.path("restored"), options: quiet)
        XCTAssertEqual(try contents(restored), expected)
        try restored.close()
        // Never over an existing directory, the database included.
        XCTAssertThrowsError(try FaceDatabase.restore(backup: dir.path("backup"), to: dir.path("db"), options: quiet)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .refusedOutput)
        }
        let reopened = try FaceDatabase.open(at: dir.path("db"), options: quiet)
        XCTAssertEqual(try contents(reopened), expected)
        try reopened.close()
        XCTAssertThrowsError(try FaceDatabase.restore(backup: dir.path("nothing"), to: dir.path("x"), options: quiet)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .notADatabase)
        }
        // A damaged backup is refused and leaves nothing behind.
        let damaged = dir.path("damaged")
        try FileManager.default.copyItem(atPath: dir.path("backup"), toPath: damaged)
        let store = damaged + "/store"
        for file in try FileManager.default.contentsOfDirectory(atPath: store) where file.hasPrefix("MANIFEST") {
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: store + "/" + file))
        }
        XCTAssertThrowsError(try FaceDatabase.restore(backup: damaged, to: dir.path("from-damaged"), options: quiet))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("from-damaged")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path("")).filter { $0.contains("partial") }, [])
    }
}
