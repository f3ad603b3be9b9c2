import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// A database's directories are 0700 and its files 0600 whatever the umask; opening one whose
/// files others can read warns. The oracle is `stat` of every entry under the directory.
final class PrivateFilesTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    /// Every entry under `path` (itself included) with its permission bits.
    func modes(under path: String) throws -> [(String, Int)] {
        let fm = FileManager.default
        var out = [(path, (try fm.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue)]
        for case let relative as String in fm.enumerator(atPath: path)! {
            let attributes = try fm.attributesOfItem(atPath: path + "/" + relative)
            out.append((relative, (attributes[.posixPermissions] as! NSNumber).intValue))
        }
        return out
    }

    /// How many entries under `path` others or the group may access (by `stat`).
    static func exposedCount(_ path: String) -> Int {
        var count = 0
        let fm = FileManager.default
        for entry in [path] + (fm.enumerator(atPath: path)?.allObjects as? [String] ?? []).map({ path + "/" + $0 }) {
            if let mode = (try? fm.attributesOfItem(atPath: entry))?[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 { count += 1 }
        }
        return count
    }

    func testEveryFileIsPrivateWhateverTheUmask() throws {
        // A permissive umask (group-writable, world-readable) for this test, restored after.
        let saved = umask(0o002)
        defer { umask(saved) }
        let directory = TemporaryDirectory("private")
        let path = directory.path("parent/db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 8, metric: .l2), options: quiet)
        // A bulk load (its own table files, ingested), ordinary writes, a reindex, reopen, more writes.
        let bulk = (0..<5_000).map { i in NewFace(identity: "p\(i % 100)", embedding: (0..<8).map { _ in rng.nextGaussian() }) }
        try db.addFaces(bulk, createMissingIdentities: true)
        try db.addIdentity("ada", displayName: "Ada", metadata: .object(["note": .string("x")]))
        try db.addFaces([NewFace(identity: "ada", embedding: (0..<8).map { _ in rng.nextGaussian() })])
        try db.reindex(IndexConfiguration(kind: .hnsw))
        try db.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        try db.removeIdentity("p3")
        try db.checkpoint()
        try db.close()

        let entries = try modes(under: path)
        XCTAssertGreaterThan(entries.count, 8, "\(entries)")
        for (entry, mode) in entries {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: entry == path ? path : path + "/" + entry, isDirectory: &isDirectory)
            XCTAssertEqual(mode, isDirectory.boolValue ? 0o700 : 0o600, "\(entry) is \(String(mode, radix: 8))")
        }
        // The parent made along the way keeps the usual mode: only the database is private.
        let parentMode = (try FileManager.default.attributesOfItem(atPath: directory.path("parent"))[.posixPermissions] as! NSNumber).intValue
        XCTAssertEqual(parentMode, 0o775)
    }

    func testOpeningWarnsAboutFilesOthersCanRead() throws {
        let directory = TemporaryDirectory("exposed")
        let path = directory.path("db")
        try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 8, metric: .l2), options: quiet).close()
        var capture = LogCapture()
        try FaceDatabase.open(at: path, options: DatabaseOptions(logger: capture.logger)).close()
        XCTAssertEqual(capture.entries(at: .warning).count, 0, "\(capture.lines)")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path + "/index.snapshot")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        capture = LogCapture()
        try FaceDatabase.open(at: path, options: DatabaseOptions(logger: capture.logger, readOnly: true)).close()
        let warnings = capture.entries(at: .warning).map(\.description)
        XCTAssertEqual(warnings.count, 1, "\(capture.lines)")
        XCTAssertTrue(warnings[0].contains("count=2"), warnings[0])
        XCTAssertTrue(warnings[0].contains("chmod -R go-rwx"), warnings[0])
        // A writable open makes them owner-only again.
        try FaceDatabase.open(at: path, options: quiet).close()
        XCTAssertEqual(PrivateFilesTests.exposedCount(path), 0)
    }
}
