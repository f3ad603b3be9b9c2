import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Terminal safety and erasure through the built binary.
final class SecurityCLITests: XCTestCase {
    /// Bytes a terminal would obey: ESC, BEL, the C1 CSI (U+009B, as UTF-8 C2 9B), other C0 controls.
    func controlBytes(in text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var found = bytes.filter { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }
        for i in 0..<max(0, bytes.count - 1) where bytes[i] == 0xC2 && (0x80...0x9F).contains(bytes[i + 1]) { found.append(bytes[i + 1]) }
        return found
    }

    func testHumanOutputEscapesControlCharactersInIdsNamesAndErrors() throws {
        let dir = TemporaryDirectory("escape-cli")
        let path = dir.path("db")
        // An id that would retitle the terminal, ring it, clear the screen and break the line.
        let hostile = "eve\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\nroot"
        let db = try FaceDatabase.create(
            at: path, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try db.addIdentity(hostile, displayName: "Eve\u{1B}[31m", metadata: .object(["note": .string("x\u{1B}[0m")]))
        try db.addFaces([NewFace(identity: hostile, embedding: [1, 0, 0, 0]), NewFace(identity: hostile, embedding: [0.9, 0.1, 0, 0])])
        try db.addFaces([NewFace(identity: "bob", embedding: [0, 0, 1, 0])], createMissingIdentities: true)
        try db.close()

        let identify = try runFacedb(["identify", path, "--embedding", "[1, 0, 0, 0]", "--threshold", "0.5"])
        XCTAssertEqual(identify.status, 0, identify.stderr)
        XCTAssertEqual(controlBytes(in: identify.stdout), [], identify.stdout)
        XCTAssertTrue(identify.stdout.contains(#"eve\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{a}root"#), identify.stdout)

        // JSON escapes as JSON does: the id decodes back exactly.
        let json = try runFacedb(["identify", path, "--embedding", "[1, 0, 0, 0]", "--threshold", "0.5", "--json"])
        XCTAssertEqual(try JSONDecoder().decode(Identification.self, from: Data(json.stdout.utf8)).identity, hostile)

        // Errors that name the id, and the shell's sentences.
        let verify = try runFacedb(["verify", path, "--embedding", "[1, 0, 0, 0]", "--identity", "nobody\u{1B}[2J"])
        XCTAssertNotEqual(verify.status, 0)
        XCTAssertEqual(controlBytes(in: verify.stderr), [], verify.stderr)
        XCTAssertTrue(verify.stderr.contains(#"nobody\u{1b}[2J"#), verify.stderr)
        let shell = try runFacedb(["shell", path], input: "list\nidentify [1, 0, 0, 0]\nremove identity nobody\u{1B}[2J\n")
        XCTAssertEqual(controlBytes(in: shell.stdout + shell.stderr), [], shell.stdout + shell.stderr)
    }

    func testEncryptedDatabasesNeedTheirKeyFile() throws {
        let dir = TemporaryDirectory("encrypted-cli")
        let path = dir.path("db")
        let key = dir.path("people.key"), other = dir.path("other.key"), short = dir.path("short.key")
        try Data(EncryptionKey.random().bytes).write(to: URL(fileURLWithPath: key))
        try Data(EncryptionKey.random().bytes).write(to: URL(fileURLWithPath: other))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        var r = try runFacedb(["create", path, "--dim", "4", "--key-file", short])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("32"), r.stderr)
        // A path to something large (a wrong file) is refused after reading 33 bytes, not read whole.
        try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: dir.path("big.key")))
        r = try runFacedb(["create", path, "--dim", "4", "--key-file", dir.path("big.key")])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("more than 32"), r.stderr)
        r = try runFacedb(["create", path, "--dim", "4", "--key-file", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        try (#"{"identity": "ada", "embedding": [1, 2, 3, 4]}"# + "\n").write(toFile: dir.path("rows.jsonl"), atomically: true, encoding: .utf8)
        r = try runFacedb(["import", path, dir.path("rows.jsonl"), "--key-file", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runFacedb(["stats", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("encrypted") && r.stderr.contains("--key-file"), r.stderr)
        r = try runFacedb(["stats", path, "--key-file", other])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("does not open"), r.stderr)
        r = try runFacedb(
            ["stats", path, "--json"], input: nil, environment: ProcessInfo.processInfo.environment.merging(["FACEDB_KEY_FILE": key]) { $1 })
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"faces\" : 1") || r.stdout.contains("\"faces\":1"), r.stdout)
        r = try runFacedb(["rekey", path, "--key-file", key, "--new-key-file", other])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try runFacedb(["check", path, "--key-file", key]).status, 1)
        XCTAssertEqual(try runFacedb(["check", path, "--key-file", other]).status, 0)
    }

    /// backup, restore and a dump round trip through the CLI, on an encrypted database: each needs
    /// the key file, never writes over an existing path, and gives back the same data.
    func testBackupRestoreAndDumpThroughTheCommandLine() throws {
        let dir = TemporaryDirectory("operations-cli")
        let path = dir.path("db")
        let key = dir.path("people.key")
        try Data(EncryptionKey.random().bytes).write(to: URL(fileURLWithPath: key))
        XCTAssertEqual(try runFacedb(["create", path, "--dim", "4", "--index", "hnsw", "--key-file", key]).status, 0)
        var rows = ""
        for i in 0..<50 { rows += #"{"identity": "p\#(i % 7)", "embedding": [\#(i), 1, 2, \#(i % 3)], "metadata": {"i": \#(i)}}"# + "\n" }
        try rows.write(toFile: dir.path("rows.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try runFacedb(["import", path, dir.path("rows.jsonl"), "--key-file", key]).status, 0)
        XCTAssertEqual(try runFacedb(["identity", "update", path, "p3", "--name", "Pat", "--gallery", "g", "--key-file", key]).status, 0)

        var r = try runFacedb(["backup", path, dir.path("backup"), "--key-file", key, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try JSONDecoder().decode(BackupReport.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(report.faces, 50)
        r = try runFacedb(["backup", path, dir.path("backup"), "--key-file", key])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("already exists"), r.stderr)
        XCTAssertEqual(try runFacedb(["stats", dir.path("backup")]).status, 1, "the backup is encrypted too")
        r = try runFacedb(["restore", dir.path("backup"), dir.path("restored"), "--key-file", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try runFacedb(["restore", dir.path("backup"), path, "--key-file", key])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("already exists"), r.stderr)
        XCTAssertEqual(try runFacedb(["check", dir.path("restored"), "--key-file", key, "--full"]).status, 0)

        // The dump of the restored copy is the original's, and imports into a new database that dumps the same.
        for (db, out) in [(path, "a.jsonl"), (dir.path("restored"), "b.jsonl")] {
            XCTAssertEqual(try runFacedb(["export", db, "--format", "jsonl", "--output", dir.path(out), "--key-file", key]).status, 0)
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir.path("a.jsonl"))), try Data(contentsOf: URL(fileURLWithPath: dir.path("b.jsonl"))))
        XCTAssertEqual(try runFacedb(["create", dir.path("copy"), "--dim", "4"]).status, 0)
        r = try runFacedb(["import", dir.path("copy"), dir.path("a.jsonl")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try runFacedb(["export", dir.path("copy"), "--format", "jsonl", "--output", dir.path("c.jsonl")]).status, 0)
        let a = try String(contentsOfFile: dir.path("a.jsonl"), encoding: .utf8)
        XCTAssertEqual(a, try String(contentsOfFile: dir.path("c.jsonl"), encoding: .utf8))
        XCTAssertTrue(a.contains(#""display_name":"Pat""#) && a.contains(#""kind":"hnsw""#), String(a.prefix(400)))
    }

    func testEraseCommandPurgesAndReports() throws {
        let dir = TemporaryDirectory("erase-cli")
        let path = dir.path("db")
        let db = try FaceDatabase.create(
            at: path, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        let secret: [Float] = [0.123_456_78, -9.876_543, 3.141_592_6, 2.718_281_8]
        let ids = try db.addFaces(
            [NewFace(identity: "ada", embedding: secret), NewFace(identity: "bob", embedding: [1, 1, 1, 1])], createMissingIdentities: true)
        try db.close()
        var r = try runFacedb(["erase", path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--identity"), r.stderr)
        r = try runFacedb(["erase", path, "--identity", "ada", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["identities"] as? [String], ["ada"])
        XCTAssertEqual(object?["faces"] as? [Int], [Int(ids[0].rawValue)])
        let needle = Data(secret.withUnsafeBytes { Array($0) })
        for case let file as String in FileManager.default.enumerator(atPath: path)! {
            guard let data = FileManager.default.contents(atPath: path + "/" + file) else { continue }
            XCTAssertNil(data.range(of: needle), "\(file) still holds the erased embedding")
        }
        r = try runFacedb(["erase", path, "--face", String(ids[1].rawValue)])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Erased 0 identities and 1 face"), r.stdout)
        r = try runFacedb(["erase", dir.path("nothing-here"), "--all"])
        XCTAssertNotEqual(r.status, 0)
        r = try runFacedb(["erase", path, "--all"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}
