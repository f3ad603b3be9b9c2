import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// A full disk (issue 17 item 4). Seen: on a full file system `import`, `stats`, `check`, `identify`
/// and the shell aborted (exit 134, an assertion inside Debian's librocksdb). Here a small tmpfs is
/// mounted (CI runs as root) and filled; every command either works (reads need no space) or
/// fails with exit 1 and a message, and once space is freed everything acknowledged is there and
/// the import resumes.
final class DiskFullTests: XCTestCase {
    var mount: String?

    override func setUpWithError() throws {
        let point = FileManager.default.temporaryDirectory.appendingPathComponent("facedb-tmpfs-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        let status = try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=384m", "tmpfs", point])
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: point)
            throw XCTSkip("DiskFullTests need to mount a tmpfs (run as root, as CI does); mount exited with \(status)")
        }
        mount = point
    }

    override func tearDownWithError() throws {
        guard let mount else { return }
        _ = try Self.run("/bin/umount", [mount])
        try? FileManager.default.removeItem(atPath: mount)
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `count` JSON Lines rows; face ids `first`…; returns the vectors.
    func writeRows(_ path: String, first: Int, count: Int, dimension: Int = 32, rng: inout SeededGenerator) throws -> [Int: [Float]] {
        var vectors: [Int: [Float]] = [:]
        var text = ""
        for i in 0..<count {
            let v = (0..<dimension).map { _ in rng.nextGaussian() }
            vectors[first + i] = v
            text += "{\"identity\": \"p\(i % 23)\", \"face_id\": \(first + i), \"embedding\": [\(v.map { "\($0)" }.joined(separator: ","))]}\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return vectors
    }

    /// Fills the file system of `directory` until `leave` bytes are free (0: completely).
    func fill(_ directory: String, leaving leave: Int) throws -> String {
        let filler = directory + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(count: 1 << 20)
        while let free = DiskSpace.available(at: directory), free > leave {
            let piece = free - leave >= chunk.count ? chunk : Data(count: max(free - leave, 4096))
            do { try handle.write(contentsOf: piece) } catch { break }
        }
        return filler
    }

    func assertNoAbort(_ run: FacedbRun, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(run.wasSignalled, "\(what) was killed by signal \(run.status): \(run.stderr)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("Assertion"), "\(what): \(run.stderr)", file: file, line: line)
    }

    func testAFullDiskRefusesWritesCleanlyServesReadsAndLosesNothing() throws {
        let mount = try XCTUnwrap(mount)
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let db = mount + "/db"
        XCTAssertEqual(try runFacedb(["create", db, "--model", "m", "--dim", "32", "--metric", "l2"]).status, 0)
        let first = mount + "/first.jsonl"
        var stored = try writeRows(first, first: 0, count: 3_000, rng: &rng)
        let imported = try runFacedb(["import", db, first, "--quiet"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let more = FileManager.default.temporaryDirectory.appendingPathComponent("facedb-more-\(seed).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: more) }
        let moreRows = try writeRows(more, first: 10_000, count: 20_000, rng: &rng)
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("facedb-probe-\(seed).txt").path
        defer { try? FileManager.default.removeItem(atPath: probe) }
        try (stored[17]!.map { "\($0)" }.joined(separator: " ") + "\n").write(toFile: probe, atomically: true, encoding: .utf8)

        // Below the reserve, then with no byte left at all.
        for leave in [20 << 20, 0] {
            let context = "\(leave) bytes left; seed \(seed)"
            let filler = try fill(mount, leaving: leave)
            let write = try runFacedb([
                "import", db, more, "--quiet", "--rejects", FileManager.default.temporaryDirectory.path + "/facedb-rejects-\(seed)-\(leave).jsonl",
            ])
            assertNoAbort(write, "import, \(context)")
            XCTAssertEqual(write.status, 1, "import: \(write.stderr); \(context)")
            XCTAssertTrue(write.stderr.localizedCaseInsensitiveContains("full"), "import: \(write.stderr); \(context)")
            for read in [["stats", db], ["check", db], ["identify", db, "--embedding-file", probe, "--json"]] {
                let result = try runFacedb(read)
                assertNoAbort(result, "\(read[0]), \(context)")
                XCTAssertEqual(result.status, 0, "\(read[0]): \(result.stdout) \(result.stderr); \(context)")
            }
            let shell = try runFacedb(["shell", db], input: "stats\nremove face 17\n")
            assertNoAbort(shell, "shell, \(context)")
            XCTAssertTrue(shell.stderr.contains("read-only"), "shell: \(shell.stderr); \(context)")
            XCTAssertTrue(shell.stdout.contains("3000") || shell.stdout.contains("3,000"), "shell stats: \(shell.stdout); \(context)")
            try FileManager.default.removeItem(atPath: filler)
        }

        // Space freed: nothing acknowledged was lost, and the import goes through.
        let resumed = try runFacedb(["import", db, more, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        stored.merge(moreRows) { a, _ in a }
        let reopened = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.faceCount, stored.count, "seed \(seed)")
        for (id, vector) in stored where id % 97 == 0 {
            XCTAssertTrue(try reopened.face(FaceID(Int64(id)))?.embedding == vector, "face \(id); seed \(seed)")
        }
        XCTAssertTrue(try reopened.checkIndex(full: true).isConsistent)
    }

    /// A disk that fills up in the middle of an import: the batches before stay, the error says so,
    /// and a rerun after freeing space completes it exactly.
    func testADiskFillingUpDuringAnImportStopsItAndARerunFinishesIt() throws {
        let mount = try XCTUnwrap(mount)
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let db = mount + "/db"
        XCTAssertEqual(try runFacedb(["create", db, "--model", "m", "--dim", "64", "--metric", "l2"]).status, 0)
        let rows = FileManager.default.temporaryDirectory.appendingPathComponent("facedb-rows-\(seed).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: rows) }
        let vectors = try writeRows(rows, first: 0, count: 40_000, dimension: 64, rng: &rng)
        // Room for the reserve (64 MiB) and about 8 MiB of the import's log and memtables: the
        // memtables of 40,000 faces of 64 dimensions outgrow it part of the way through.
        let filler = try fill(mount, leaving: 72 << 20)
        let full = try runFacedb(["import", db, rows, "--batch-size", "2000", "--quiet"])
        assertNoAbort(full, "import")
        XCTAssertEqual(full.status, 1, full.stdout + full.stderr)
        XCTAssertTrue(full.stderr.localizedCaseInsensitiveContains("full"), full.stderr)
        let partial = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        XCTAssertGreaterThan(partial.faceCount, 0, "seed \(seed)")
        XCTAssertLessThan(partial.faceCount, vectors.count, "seed \(seed)")
        XCTAssertEqual(partial.faceCount % 2_000, 0, "a partial batch is visible; seed \(seed)")
        try partial.close()
        try FileManager.default.removeItem(atPath: filler)
        let rerun = try runFacedb(["import", db, rows, "--quiet"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let done = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        defer { try? done.close() }
        XCTAssertEqual(done.faceCount, vectors.count)
        for (id, vector) in vectors where id % 1_009 == 0 {
            XCTAssertTrue(try done.face(FaceID(Int64(id)))?.embedding == vector, "face \(id); seed \(seed)")
        }
        XCTAssertTrue(try done.checkIndex(full: true).isConsistent)
    }
}
