import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// `facedb import` and `facedb export` through the built binary: summaries, exit codes, rejects,
/// round trips, resuming, and a disk that fills up in the middle.
final class ImportCLITests: XCTestCase {
    func facedb(_ arguments: String...) throws -> FacedbRun { try runFacedb(arguments) }

    /// `count` JSON Lines rows of `dimension` seeded values; identities `p0`…; every row's face id is 100 + i.
    func writeRows(_ path: String, count: Int, dimension: Int, rng: inout SeededGenerator) throws -> [[Float]] {
        var vectors: [[Float]] = []
        var text = ""
        for i in 0..<count {
            let v = (0..<dimension).map { _ in rng.nextGaussian() }
            vectors.append(v)
            text += "{\"identity\": \"p\(i % 17)\", \"face_id\": \(100 + i), \"embedding\": [\(v.map { "\($0)" }.joined(separator: ","))]}\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return vectors
    }

    func testImportReportsRejectsWithExitCodeTwoAndExportRoundTrips() throws {
        let dir = TemporaryDirectory("import-cli")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = dir.path("db")
        XCTAssertEqual(try facedb("create", db, "--model", "m", "--dim", "6", "--metric", "cosine").status, 0)
        let rows = dir.path("rows.jsonl")
        _ = try writeRows(rows, count: 500, dimension: 6, rng: &rng)
        try FileHandle(forWritingTo: URL(fileURLWithPath: rows)).seekToEnd()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: rows))
        handle.seekToEndOfFile()
        handle.write(Data("{\"identity\": \"bad\", \"embedding\": [1, 2]}\nnot json\n".utf8))
        handle.closeFile()

        let first = try facedb("import", db, rows, "--json")
        XCTAssertEqual(first.status, 2, first.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let summary = try XCTUnwrap(report["summary"] as? [String: Any])
        XCTAssertEqual(summary["stored"] as? Int, 500)
        XCTAssertEqual(summary["rejected"] as? Int, 2)
        let rejects = try String(contentsOfFile: rows + ".rejects.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rejects.count, 2)
        XCTAssertTrue(rejects[0].contains("\"row\":501"), String(rejects[0]))
        XCTAssertTrue(rejects[1].contains("\"row\":502"), String(rejects[1]))

        // Running it again stores nothing new (the file is known), and --again still skips every face id.
        let second = try facedb("import", db, rows)
        XCTAssertTrue(second.stdout.contains("502 done by an earlier import"), second.stdout)
        // Progress: plain lines with count, percent, rate and ETA when stderr is not a terminal; none with --quiet.
        XCTAssertTrue(second.stderr.contains("importing rows.jsonl: 502/502 (100.0%)") && second.stderr.contains("/s ETA"), second.stderr)
        let again = try facedb("import", db, rows, "--again", "--quiet")
        XCTAssertEqual(again.status, 2)
        XCTAssertEqual(again.stderr, "")
        let stats = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try facedb("stats", db, "--json").stdout.utf8)) as? [String: Any])
        XCTAssertEqual(stats["faces"] as? Int, 500)

        // Export, import into a new database, export again: the same bytes.
        for format in ["jsonl", "csv", "npy"] {
            let out = dir.path("out.\(format)")
            let exported = try facedb("export", db, "--format", format, "--output", out, "--quiet")
            XCTAssertEqual(exported.status, 0, exported.stderr)
            let copy = dir.path("copy-\(format)")
            XCTAssertEqual(try facedb("create", copy, "--model", "m", "--dim", "6", "--metric", "cosine").status, 0)
            let labels = format == "npy" ? ["--labels", dir.path("out.labels.jsonl")] : []
            let imported = try runFacedb(["import", copy, out, "--quiet"] + labels)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            let back = dir.path("back.\(format)")
            XCTAssertEqual(try facedb("export", copy, "--format", format, "--output", back, "--quiet").status, 0)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: back)), format)
        }
        let milvus = try facedb("export", db, "--format", "milvus", "--output", dir.path("milvus"))
        XCTAssertEqual(milvus.status, 0, milvus.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("milvus/embedding.npy")))
    }

    /// Runs `facedb` under a file-size limit (`ulimit -f`, in KiB): a write past it fails with EFBIG,
    /// as on a full disk, and the process goes on to handle the error.
    func runWithFileSizeLimit(kib: Int, _ arguments: [String]) throws -> FacedbRun {
        let binary = CrashTestData.productsDirectory.appendingPathComponent("facedb").path
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' XFSZ; ulimit -f \(kib) && exec \(quoted)"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return FacedbRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    func testADiskFillingUpStopsTheImportCleanlyAndARerunFinishesIt() throws {
        let dir = TemporaryDirectory("disk-full")
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let db = dir.path("db")
        XCTAssertEqual(try facedb("create", db, "--model", "m", "--dim", "64", "--metric", "l2").status, 0)
        let rows = dir.path("rows.jsonl")
        let vectors = try writeRows(rows, count: 30_000, dimension: 64, rng: &rng)
        // Batches of 1,000 faces go through the write-ahead log, which outgrows 4 MB after a dozen.
        let full = try runWithFileSizeLimit(kib: 4_096, ["import", db, rows, "--batch-size", "1000", "--quiet"])
        XCTAssertEqual(full.status, 1, "stdout: \(full.stdout) stderr: \(full.stderr), seed \(seed)")
        XCTAssertTrue(full.stderr.contains("The import stopped after"), full.stderr)

        // Reopened without the limit: consistent, whole batches only, and a re-run completes the import.
        let check = try facedb("check", db)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        let stored = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        XCTAssertLessThan(stored.faceCount, vectors.count)
        XCTAssertGreaterThan(stored.faceCount, 0)
        XCTAssertEqual(stored.faceCount % 1_000, 0, "a partial batch is visible; seed \(seed)")
        try stored.close()
        let rerun = try facedb("import", db, rows, "--quiet")
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let reopened = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        XCTAssertEqual(reopened.faceCount, vectors.count)
        for i in stride(from: 0, to: vectors.count, by: 1_499) {
            XCTAssertEqual(try reopened.face(FaceID(Int64(100 + i)))?.embedding, vectors[i], "row \(i), seed \(seed)")
        }
        XCTAssertTrue(try reopened.checkIndex().isConsistent)
        try reopened.close()

        // An export to a full disk fails with a message that says so.
        let export = try runWithFileSizeLimit(kib: 1_024, ["export", db, "--format", "jsonl", "--output", dir.path("big.jsonl"), "--quiet"])
        XCTAssertEqual(export.status, 1)
        XCTAssertTrue(export.stderr.contains("big.jsonl"), export.stderr)
    }
}
