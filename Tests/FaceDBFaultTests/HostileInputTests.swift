import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Input that never ends or never breaks its lines (issue 17 item 5). Seen: `identify
/// --embedding-file - < /dev/zero` grew past 2 GB; a 100 MB JSON Lines line took 730 MB. Each
/// command here must stop with exit 1 and a message naming the limit, and its peak resident memory
/// (wait4's ru_maxrss) must stay far below what reading the input whole would take.
final class HostileInputTests: XCTestCase {
    /// A debug build of `facedb` with a database open peaks near 100 MiB; reading the input whole
    /// would take at least its size (100 MB here, unbounded for /dev/zero).
    static let memoryBound = 300 << 20

    struct Outcome {
        var status: Int32
        var signalled: Bool
        var stderr: String
        var peakBytes: Int
    }

    /// Runs `facedb` with standard input from `input` (a path), capturing standard error.
    func run(_ arguments: [String], stdin input: String, in dir: TemporaryDirectory) throws -> Outcome {
        let executable = CrashTestData.productsDirectory.appendingPathComponent("facedb").path
        let errPath = dir.path("stderr-\(UInt32.random(in: 0...UInt32.max))")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, &argv, environ) == 0 else {
            throw NSError(domain: "HostileInputTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable)"])
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let signalled = (status & 0x7f) != 0
        return Outcome(
            status: signalled ? status & 0x7f : (status >> 8) & 0xff, signalled: signalled,
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", peakBytes: Int(usage.ru_maxrss) * 1024)
    }

    func database(_ dir: TemporaryDirectory) throws -> String {
        let db = dir.path("db")
        let handle = try FaceDatabase.create(
            at: db, space: EmbeddingSpace(model: "m", dimension: 8, metric: .l2),
            options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces([NewFace(identity: "a", embedding: [1, 2, 3, 4, 5, 6, 7, 8])], createMissingIdentities: true)
        try handle.close()
        return db
    }

    func assertRefused(_ outcome: Outcome, mentioning word: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(outcome.signalled, "\(what) died of signal \(outcome.status)", file: file, line: line)
        XCTAssertEqual(outcome.status, 1, "\(what): \(outcome.stderr)", file: file, line: line)
        XCTAssertTrue(outcome.stderr.localizedCaseInsensitiveContains(word), "\(what): \(outcome.stderr)", file: file, line: line)
        XCTAssertLessThan(outcome.peakBytes, Self.memoryBound, "\(what) peaked at \(outcome.peakBytes >> 20) MiB", file: file, line: line)
    }

    func testEndlessStandardInputIsRefusedInBoundedMemory() throws {
        let dir = TemporaryDirectory("hostile")
        let db = try database(dir)
        assertRefused(try run(["identify", db, "--embedding-file", "-"], stdin: "/dev/zero", in: dir), mentioning: "MiB", "identify < /dev/zero")
        assertRefused(
            try run(["verify", db, "--embedding-file", "-", "--identity", "a"], stdin: "/dev/zero", in: dir), mentioning: "MiB", "verify < /dev/zero")
        assertRefused(try run(["shell", db], stdin: "/dev/zero", in: dir), mentioning: "MiB", "shell < /dev/zero")
    }

    func testAHundredMegabyteLineIsRefusedInBoundedMemory() throws {
        let dir = TemporaryDirectory("hostile")
        let db = try database(dir)
        let rows = dir.path("rows.jsonl")
        // One good row, then a 100 MB line: the good row is stored, the import stops at line 2.
        FileManager.default.createFile(atPath: rows, contents: Data(#"{"identity": "b", "embedding": [1,1,1,1,1,1,1,1]}"#.utf8 + [0x0A]))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: rows))
        try handle.seekToEnd()
        let chunk = Data(repeating: UInt8(ascii: "7"), count: 1 << 20)
        try handle.write(contentsOf: Data("{\"identity\": \"c\", \"embedding\": [".utf8))
        for _ in 0..<100 { try handle.write(contentsOf: chunk) }
        try handle.close()
        let outcome = try run(["import", db, rows, "--quiet", "--rejects", dir.path("rejects.jsonl")], stdin: "/dev/null", in: dir)
        assertRefused(outcome, mentioning: "line 2", "import of a 100 MB line")
        let stored = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        defer { try? stored.close() }
        XCTAssertEqual(stored.faceCount, 2, "the row before the long line is stored")
    }
}
