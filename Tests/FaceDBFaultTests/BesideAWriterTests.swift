import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Read commands and backups beside a live writer process (`facedb-crash-writer`), which is also
/// killed with SIGKILL in the middle of a backup. The oracle: the writer's acknowledgements, read
/// before each command starts, and the vectors it writes (a pure function of batch and face).
final class BesideAWriterTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
    let dimension = 16

    /// Batches the writer may have removed by the time `after` was read: it removes batch m right
    /// after acknowledging batch m + 2 when m + 2 is a multiple of 3, and acknowledges the removal
    /// only once it is committed (a kill can fall in between).
    func mayBeRemoved(_ after: CrashWriterProcess.Acknowledged) -> Set<Int> {
        Set(after.added.filter { $0 % 3 == 0 && $0 >= 2 }.map { $0 - 2 }).union(after.deleted)
    }

    /// Every batch acknowledged in `before` (and not possibly removed since) is in `db` with its
    /// exact vectors; every removal acknowledged in `before` is gone.
    func assertHolds(_ db: FaceDatabase, _ before: CrashWriterProcess.Acknowledged, removedLater: Set<Int>, _ context: String) throws {
        for n in before.added.subtracting(before.deleted).subtracting(removedLater).sorted() {
            let faces = try db.faces(of: "b\(n)")
            XCTAssertEqual(faces.count, CrashTestData.faceCount(batch: n), "batch \(n); \(context)")
            let expected = Set((0..<CrashTestData.faceCount(batch: n)).map { CrashTestData.vector(batch: n, face: $0, dimension: dimension) })
            XCTAssertEqual(Set(faces.map(\.embedding)), expected, "batch \(n); \(context)")
        }
        for n in before.deleted { XCTAssertNil(try db.identity("b\(n)"), "removed batch \(n); \(context)") }
    }

    func testReadCommandsAndBackupsWorkBesideALiveWriterAndSurviveItsKill() throws {
        let dir = TemporaryDirectory("beside-writer")
        let db = dir.path("db")
        let writer = try CrashWriterProcess(path: db, kind: "hnsw", first: 0)
        defer { writer.kill() }
        writer.wait(forAdds: 30)
        XCTAssertTrue(writer.isRunning)

        // Read commands open beside the writer instead of refusing.
        var before = writer.acknowledged
        var r = try runFacedb(["stats", db, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(r.stdout.utf8))
        // At least the faces of every batch acknowledged before, less those removed since.
        writer.wait(forAdds: writer.acknowledged.added.count + 3)
        let kept = before.added.subtracting(before.deleted).subtracting(mayBeRemoved(writer.acknowledged))
        XCTAssertGreaterThanOrEqual(stats.faces, kept.reduce(0) { $0 + CrashTestData.faceCount(batch: $1) })
        let newest = try XCTUnwrap(before.added.subtracting(before.deleted).max())
        let probe = CrashTestData.vector(batch: newest, face: 0, dimension: dimension).map { "\($0)" }.joined(separator: ",")
        r = try runFacedb(["identify", db, "--embedding", probe, "--k", "1", "--threshold", "0.01", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try JSONDecoder().decode(Identification.self, from: Data(r.stdout.utf8)).identity, "b\(newest)")
        r = try runFacedb(["check", db])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        r = try runFacedb(["shell", db], input: "stats\nadd identity x\n")
        XCTAssertTrue(r.stderr.contains("reads beside it"), r.stderr)
        XCTAssertTrue(r.stderr.contains("read-only"), r.stderr)

        // A backup beside the writer holds every write acknowledged before it started.
        before = writer.acknowledged
        r = try runFacedb(["backup", db, dir.path("backup-1")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("beside the process writing it"), r.stdout)
        writer.wait(forAdds: writer.acknowledged.added.count + 3)
        var removedLater = mayBeRemoved(writer.acknowledged)
        var copy = try FaceDatabase.open(at: dir.path("backup-1"), options: quiet)
        try assertHolds(copy, before, removedLater: removedLater, "backup beside the writer")
        var check = try copy.checkIndex(full: true)
        XCTAssertTrue(check.isConsistent, "\(check)")
        XCTAssertNil(check.snapshotProblem)
        try copy.close()

        // The writer killed while a backup runs: the backup still completes and is whole.
        writer.wait(forAdds: before.added.count + 5)
        before = writer.acknowledged
        let backup = Process()
        backup.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb")
        backup.arguments = ["backup", db, dir.path("backup-2")]
        backup.standardOutput = FileHandle.nullDevice
        try backup.run()
        usleep(100_000)
        XCTAssertTrue(writer.kill(), "the writer was still writing when killed")
        backup.waitUntilExit()
        XCTAssertEqual(backup.terminationStatus, 0)
        removedLater = mayBeRemoved(writer.acknowledged)
        copy = try FaceDatabase.open(at: dir.path("backup-2"), options: quiet)
        defer { try? copy.close() }
        try assertHolds(copy, before, removedLater: removedLater, "backup while the writer was killed")
        check = try copy.checkIndex(full: true)
        XCTAssertTrue(check.isConsistent, "\(check)")
        r = try runFacedb(["check", dir.path("backup-2")])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)

        // And the database itself, reopened for writing after the kill, holds what was acknowledged.
        let reopened = try FaceDatabase.open(at: db, options: quiet)
        defer { try? reopened.close() }
        try assertHolds(reopened, writer.acknowledged, removedLater: mayBeRemoved(writer.acknowledged), "the database after the kill")
    }
}
