import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// The audit trail records who did what, never an embedding, and its verification detects any
/// entry altered, removed (in the middle or from the end) or inserted.
final class AuditTrailTests: XCTestCase {
    let space = EmbeddingSpace(model: "m", dimension: 8, metric: .l2)

    func options(_ actor: String) -> DatabaseOptions { DatabaseOptions(logger: DatabaseOptions.silentLogger, auditActor: actor) }

    /// A database with an audit trail and a few operations; returns its path and the vectors written.
    func makeAudited(_ directory: TemporaryDirectory, rng: inout SeededGenerator) throws -> (String, [[Float]]) {
        let path = directory.path("db")
        var db = try FaceDatabase.create(at: path, space: space, options: options("alice"))
        try db.addIdentity("ada", displayName: "Ada")
        try db.enableAuditTrail()
        try db.enableAuditTrail()  // already on: no second entry
        let vectors = (0..<6).map { _ in (0..<8).map { _ in rng.nextGaussian() } }
        let ids = try db.addFaces(
            vectors.enumerated().map { NewFace(identity: $0.offset < 3 ? "ada" : "bob", embedding: $0.element) }, createMissingIdentities: true)
        try db.removeFaces([ids[0]])
        try db.close()
        db = try FaceDatabase.open(at: path, options: options("bob@ops"))
        try db.updateIdentity("ada", displayName: "Ada L.")
        try db.erase(identity: "bob")
        try db.close()
        return (path, vectors)
    }

    func testTheTrailRecordsWhoDidWhatAndNoEmbedding() throws {
        let directory = TemporaryDirectory("audit")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let (path, vectors) = try makeAudited(directory, rng: &rng)
        let (entries, verification) = try FaceDatabase.verifyAuditTrail(at: path)
        XCTAssertTrue(verification.isIntact, "\(verification.problems)")
        XCTAssertEqual(entries.map(\.operation), ["enable_audit", "add_faces", "remove_faces", "update_identity", "remove_identity", "erase"])
        XCTAssertEqual(entries.map(\.actor), ["alice", "alice", "alice", "bob@ops", "bob@ops", "bob@ops"])
        XCTAssertEqual(entries[1].counts["faces_added"], 6)
        XCTAssertEqual(entries[5].identities, ["bob"])
        XCTAssertEqual(zip(entries.dropFirst(), entries).allSatisfy { $0.previous == $1.hash && $0.timeMs >= $1.timeMs }, true)
        // No embedding in the trail: none of the vectors' components as text or as float32 bytes.
        let log = try Data(contentsOf: URL(fileURLWithPath: path + "/audit.log"))
        for vector in vectors {
            XCTAssertNil(log.range(of: Data(vector.withUnsafeBytes { Array($0.prefix(8)) })))
            for value in vector.prefix(3) { XCTAssertNil(String(decoding: log, as: UTF8.self).range(of: "\(value)"), "\(value)") }
        }
    }

    /// Each kind of tampering, on a fresh copy of the trail.
    func testTamperingIsDetected() throws {
        let directory = TemporaryDirectory("audit-tamper")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let (path, _) = try makeAudited(directory, rng: &rng)
        let file = path + "/audit.log"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let lines = original.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(lines.count, 6)

        func verdict(_ text: String?) throws -> AuditVerification {
            if let text { try text.write(toFile: file, atomically: true, encoding: .utf8) } else { try FileManager.default.removeItem(atPath: file) }
            defer { try? original.write(toFile: file, atomically: true, encoding: .utf8) }
            return try FaceDatabase.verifyAuditTrail(at: path).verification
        }
        func joined(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

        XCTAssertTrue(try verdict(original).isIntact)
        // An actor rewritten.
        var altered = lines
        altered[2] = altered[2].replacingOccurrences(of: "\"actor\":\"alice\"", with: "\"actor\":\"mallory\"")
        XCTAssertNotEqual(altered[2], lines[2])
        var v = try verdict(joined(altered))
        XCTAssertFalse(v.isIntact)
        XCTAssertTrue(v.problems[0].contains("entry 3 was altered"), "\(v.problems)")
        // An entry removed from the middle.
        altered = lines
        altered.remove(at: 3)
        v = try verdict(joined(altered))
        XCTAssertFalse(v.isIntact)
        XCTAssertEqual(v.validEntries, 3)
        // The last entry removed (the chain alone still holds: the store's recorded head catches it).
        v = try verdict(joined(Array(lines.dropLast())))
        XCTAssertFalse(v.isIntact)
        XCTAssertTrue(v.problems[0].contains("removed from the end"), "\(v.problems)")
        // An entry duplicated.
        altered = lines
        altered.insert(lines[1], at: 2)
        XCTAssertFalse(try verdict(joined(altered)).isIntact)
        // The whole trail rewritten with a consistent chain of its own cannot match the recorded head:
        // simulated by the file removed.
        XCTAssertFalse(try verdict(nil).isIntact)
        // A torn last line.
        XCTAssertFalse(try verdict(String(original.dropLast(10))).isIntact)

        // Reopening continues the chain.
        let db = try FaceDatabase.open(at: path, options: options("carol"))
        try db.addIdentity("eve")
        try db.close()
        let (entries, after) = try FaceDatabase.verifyAuditTrail(at: path)
        XCTAssertTrue(after.isIntact, "\(after.problems)")
        XCTAssertEqual(entries.last?.operation, "add_identity")
        XCTAssertEqual(entries.count, 7)
    }

    func testADatabaseWithoutATrailSaysSo() throws {
        let directory = TemporaryDirectory("audit-none")
        let path = directory.path("db")
        try FaceDatabase.create(at: path, space: space, options: options("x")).close()
        XCTAssertThrowsError(try FaceDatabase.verifyAuditTrail(at: path)) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .invalidArgument)
            XCTAssertTrue((error as? FaceDBError)?.remedy?.contains("--enable") ?? false)
        }
    }
}
