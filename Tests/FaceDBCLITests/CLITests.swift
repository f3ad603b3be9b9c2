import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// The built `facedb` binary, run end to end.
final class CLITests: XCTestCase {
    typealias Run = FacedbRun

    func facedb(_ arguments: String...) throws -> Run { try runFacedb(arguments) }

    func testCreateStatsReindexCheck() throws {
        let dir = TemporaryDirectory("cli")
        let db = dir.path("people.facedb")
        var r = try facedb("create", db, "--model", "arcface", "--dim", "8", "--metric", "cosine", "--index", "hnsw")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("8-D"), r.stdout)
        // Add faces through the library, then look at them through the CLI.
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(log: { _ in }))
        try handle.addFaces((0..<300).map { i in NewFace(identity: "p\(i % 30)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
                            createMissingIdentities: true)
        try handle.close()
        r = try facedb("stats", db, "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(stats.faces, 300)
        XCTAssertEqual(stats.identities, 30)
        XCTAssertEqual(stats.space.metric, .cosine)
        XCTAssertEqual(stats.index.kind, .hnsw)
        XCTAssertEqual(stats.indexedVectors, 300)
        r = try facedb("stats", db)
        XCTAssertTrue(r.stdout.contains("faces") && r.stdout.contains("300"), r.stdout)
        r = try facedb("reindex", db, "--index", "ivfpq", "--nlist", "4", "--pq-m", "4", "--quiet")
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try facedb("stats", db, "--json")
        XCTAssertEqual(try JSONDecoder().decode(DatabaseStats.self, from: Data(r.stdout.utf8)).index.kind, .ivfpq)
        r = try facedb("check", db)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("ok"), r.stdout)
    }

    func testStatsShowTheExplicitOrTunedEfSearch() throws {
        let dir = TemporaryDirectory("cli")
        let db = dir.path("people.facedb")
        var r = try facedb("create", db, "--dim", "8", "--index", "hnsw", "--hnsw-m", "8", "--ef-search", "48")
        XCTAssertEqual(r.status, 0, r.stderr)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(log: { _ in }))
        try handle.addFaces((0..<1_200).map { i in NewFace(identity: "p\(i % 120)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
                            createMissingIdentities: true)
        try handle.close()
        r = try facedb("stats", db)
        XCTAssertTrue(r.stdout.contains("48 (set explicitly)"), r.stdout)
        XCTAssertFalse(r.stderr.contains("tuned"), r.stderr)
        var stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(try facedb("stats", db, "--json").stdout.utf8))
        XCTAssertEqual(stats.efSearch, 48)
        XCTAssertNil(stats.efSearchTuning)

        // Without --ef-search, reindex switches to the automatic efSearch and tunes it (and logs it).
        r = try facedb("reindex", db, "--index", "hnsw", "--hnsw-m", "8", "--quiet")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("tuned HNSW efSearch"), "tuning is logged: \(r.stderr)")
        r = try facedb("stats", db)
        XCTAssertTrue(r.stdout.contains("efSearch=auto for recall 0.98"), r.stdout)
        let row = r.stdout.split(separator: "\n").first { $0.contains("efSearch") && $0.contains("tuned:") }
        XCTAssertTrue(row?.contains("at 1200 faces") ?? false, r.stdout)
        stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(try facedb("stats", db, "--json").stdout.utf8))
        XCTAssertEqual(stats.efSearchTuning?.faces, 1_200)
        XCTAssertEqual(stats.efSearch, stats.efSearchTuning?.efSearch)
    }

    func testErrorsGoToStandardErrorWithNonZeroExit() throws {
        let dir = TemporaryDirectory("cli")
        var r = try facedb("stats", dir.path("nothing-here"))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("not a FaceDB database"), r.stderr)
        XCTAssertTrue(r.stderr.contains("facedb create"), "the message says what to do: \(r.stderr)")
        XCTAssertEqual(r.stdout, "")
        r = try facedb("create", dir.path("x"), "--dim", "10", "--index", "ivfpq", "--pq-m", "16")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("must divide"), r.stderr)
        r = try facedb("create", dir.path("y"), "--metric", "manhattan")
        XCTAssertNotEqual(r.status, 0)
        r = try facedb("create", dir.path("z"))
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try facedb("create", dir.path("z"))
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("already exists"), r.stderr)
    }

    func testEveryCommandHasHelpWithAnExample() throws {
        for command in ["create", "stats", "reindex", "check", "identify", "verify", "calibrate", "evaluate"] {
            let r = try facedb(command, "--help")
            XCTAssertEqual(r.status, 0, command)
            XCTAssertTrue(r.stdout.contains("Example"), "\(command) --help lacks an example: \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("facedb \(command)"), r.stdout)
        }
    }
}
