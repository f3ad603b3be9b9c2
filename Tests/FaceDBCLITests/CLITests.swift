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
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces(
            (0..<300).map { i in NewFace(identity: "p\(i % 30)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
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
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces(
            (0..<1_200).map { i in NewFace(identity: "p\(i % 120)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
            createMissingIdentities: true)
        try handle.close()
        r = try facedb("stats", db)
        XCTAssertTrue(r.stdout.contains("48 (set explicitly)"), r.stdout)
        XCTAssertFalse(r.stderr.contains("tuned"), r.stderr)
        var stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(try facedb("stats", db, "--json").stdout.utf8))
        XCTAssertEqual(stats.efSearch, 48)
        XCTAssertNil(stats.efSearchTuning)

        // --ef-search auto switches to the automatic efSearch and tunes it (and logs it).
        r = try facedb("reindex", db, "--ef-search", "auto", "--quiet")
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

    /// `reindex` keeps what it is not told to change: search parameters alone change without a
    /// rebuild (the "rebuilt the index" log line is the oracle), anything else rebuilds.
    func testReindexKeepsTheCurrentIndexAndChangesSearchParametersWithoutARebuild() throws {
        let dir = TemporaryDirectory("cli")
        let db = dir.path("people.facedb")
        XCTAssertEqual(try facedb("create", db, "--dim", "8", "--index", "hnsw", "--hnsw-m", "8", "--ef-search", "48").status, 0)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces(
            (0..<400).map { i in NewFace(identity: "p\(i % 40)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
            createMissingIdentities: true)
        try handle.close()
        let info = ["FACEDB_LOG_LEVEL": "info"]
        func stats() throws -> DatabaseStats {
            try JSONDecoder().decode(DatabaseStats.self, from: Data(try facedb("stats", db, "--json").stdout.utf8))
        }

        var r = try runFacedb(["reindex", db, "--ef-search", "128"], input: nil, environment: info)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("without a rebuild"), r.stdout)
        XCTAssertFalse(r.stderr.contains("rebuilt the index"), r.stderr)
        var now = try stats()
        XCTAssertEqual(now.index.kind, .hnsw)
        XCTAssertEqual(now.index.hnswM, 8)
        XCTAssertEqual(now.efSearch, 128)

        r = try runFacedb(["reindex", db, "--nprobe", "8"], input: nil, environment: info)
        XCTAssertFalse(r.stderr.contains("rebuilt the index"), r.stderr)
        now = try stats()
        XCTAssertEqual([now.index.nprobe, now.efSearch], [8, 128])
        XCTAssertEqual(now.index.kind, .hnsw)

        // No option: rebuilt as it is. Another build parameter: rebuilt with it, the rest kept.
        r = try runFacedb(["reindex", db], input: nil, environment: info)
        XCTAssertTrue(r.stderr.contains("rebuilt the index"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Rebuilt the index as"), r.stdout)
        r = try runFacedb(["reindex", db, "--hnsw-m", "12"], input: nil, environment: info)
        XCTAssertTrue(r.stderr.contains("rebuilt the index"), r.stderr)
        now = try stats()
        XCTAssertEqual([now.index.hnswM, now.efSearch, now.index.nprobe], [12, 128, 8])
        XCTAssertEqual(now.indexedVectors, 400)

        // A fixed efSearch with a recall target is a contradiction: a usage error, nothing changed.
        r = try facedb("reindex", db, "--ef-search", "64", "--recall-target", "0.9")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--recall-target"), r.stderr)
        r = try facedb("reindex", db, "--ef-search", "lots")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(try stats().efSearch, 128)
        r = try facedb("reindex", db, "--index", "flat", "--quiet")
        XCTAssertEqual(try stats().index.kind, .flat)
    }

    /// Log messages go to standard error, never into the JSON on standard output: a warning (a rebuilt
    /// index) always, with its level and metadata; `info` ones only when FACEDB_LOG_LEVEL asks.
    func testLogMessagesGoToStandardErrorNotIntoTheOutput() throws {
        let dir = TemporaryDirectory("cli")
        let db = dir.path("people.facedb")
        XCTAssertEqual(try facedb("create", db, "--dim", "8").status, 0)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces(
            (0..<40).map { i in NewFace(identity: "p\(i % 4)", embedding: (0..<8).map { _ in rng.nextGaussian() }) },
            createMissingIdentities: true)
        try handle.close()
        try FileManager.default.removeItem(atPath: db + "/index.snapshot")

        let r = try facedb("stats", db, "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try JSONDecoder().decode(DatabaseStats.self, from: Data(r.stdout.utf8)).faces, 40, r.stdout)
        XCTAssertTrue(
            r.stderr.hasPrefix("facedb: warning: there is no index snapshot; rebuilding the index from the store in memory (read-only) ("),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("faces=40"), r.stderr)
        XCTAssertFalse(r.stderr.contains("wrote the index snapshot"), "info is below the default level: \(r.stderr)")

        // Writable, with FACEDB_LOG_LEVEL=info: the rebuild on opening writes a snapshot, and says so.
        var environment = ProcessInfo.processInfo.environment
        environment["FACEDB_LOG_LEVEL"] = "info"
        let verbose = try runFacedb(["reindex", db, "--index", "flat", "--quiet"], input: nil, environment: environment)
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        XCTAssertTrue(
            verbose.stderr.contains("facedb: warning: there is no index snapshot; rebuilding the index from the store ("),
            verbose.stderr)
        XCTAssertTrue(verbose.stderr.contains("facedb: wrote the index snapshot ("), verbose.stderr)
        XCTAssertEqual(try facedb("stats", db, "--json").stderr, "", "the snapshot is back: nothing to say")
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
        for command in ["create", "stats", "reindex", "check", "identify", "verify", "search", "identity", "calibrate", "evaluate"] {
            let r = try facedb(command, "--help")
            XCTAssertEqual(r.status, 0, command)
            XCTAssertTrue(r.stdout.contains("Example"), "\(command) --help lacks an example: \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("facedb \(command)"), r.stdout)
        }
    }

    /// `facedb identity update|rename` and `facedb search --face`, against the library's view and a
    /// brute-force ranking; mistakes name what is wrong and change nothing.
    func testIdentityUpdateRenameAndSearchByFace() throws {
        let dir = TemporaryDirectory("cli")
        let db = dir.path("people.facedb")
        XCTAssertEqual(try facedb("create", db, "--dim", "8").status, 0)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
        var handle = try FaceDatabase.open(at: db, options: quiet)
        let faces = (0..<60).map { i in NewFace(identity: "p\(i % 20)", embedding: (0..<8).map { _ in rng.nextGaussian() }) }
        let ids = try handle.addFaces(faces, createMissingIdentities: true)
        try handle.close()

        var r = try facedb("identity", "update", db, "p1", "--name", "Pat", "--meta", #"{"team": "red"}"#, "--gallery", "staff")
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try facedb("identity", "rename", db, "p1", "patricia")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("(3 faces)"), r.stdout)
        r = try facedb("identity", "rename", db, "p2", "patricia")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'patricia' already exists"), r.stderr)
        r = try facedb("identity", "update", db, "p2")
        XCTAssertNotEqual(r.status, 0, "nothing to change is a usage error")
        handle = try FaceDatabase.open(at: db, options: quiet)
        let renamed = try XCTUnwrap(try handle.identity("patricia"))
        XCTAssertEqual([renamed.displayName, renamed.galleries.first], ["Pat", "staff"])
        XCTAssertEqual(renamed.metadata, .object(["team": .string("red")]))
        XCTAssertEqual(try handle.faces(of: "patricia").count, 3)
        XCTAssertNil(try handle.identity("p1"))
        try handle.close()

        r = try facedb("search", db, "--face", "\(ids[0].rawValue)", "--k", "4", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let matches = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])["matches"] as? [[String: Any]]
        let others = Array(zip(ids, faces).dropFirst())
        let expected = BruteForce.search(
            faces[0].embedding, in: others.flatMap(\.1.embedding), ids: others.map(\.0.rawValue), dimension: 8, metric: .l2, k: 4
        ).map(\.id)
        XCTAssertEqual(matches?.compactMap { ($0["face_id"] as? NSNumber)?.int64Value }, expected, "seed \(rng.seed)")
        r = try facedb("search", db, "--face", "\(ids[0].rawValue)")
        XCTAssertTrue(r.stdout.hasPrefix("face"), r.stdout)
        r = try facedb("search", db, "--face", "99999")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("99999"), r.stderr)
        let probe = faces[0].embedding.map { "\($0)" }.joined(separator: ",")
        r = try facedb("identify", db, "--embedding", probe, "--gallery", "nosuch")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'nosuch'"), r.stderr)
    }
}
