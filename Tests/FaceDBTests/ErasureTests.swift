import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBStorage

/// Erasure leaves nothing behind: the oracle is a byte scan of every file under the database for
/// the erased faces' float32 bytes (as given and normalized) and their metadata text.
final class ErasureTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
    let dimension = 32

    /// What one erased identity leaves to look for.
    struct Secrets {
        var vectors: [[Float]]
        var texts: [String]
        /// Stored bytes to look for as they are (an encrypted database's sealed values).
        var blobs: [(what: String, bytes: [UInt8])] = []

        /// The byte strings whose presence in a file means the data is still there: each vector's
        /// float32 bytes in 16-byte windows (a partial copy is found too), raw and L2-normalized
        /// (``vectors`` holds them as given and as stored), and each text.
        var needles: [(what: String, bytes: [UInt8])] {
            var out: [(String, [UInt8])] = []
            for (v, vector) in vectors.enumerated() {
                let norm = sqrt(vector.reduce(0) { $0 + $1 * $1 })
                for (form, values) in [("raw", vector), ("normalized", vector.map { $0 / norm })] {
                    let bytes = values.withUnsafeBytes { Array($0) }
                    for start in stride(from: 0, to: bytes.count, by: 16) {
                        out.append(("vector \(v) (\(form)) bytes \(start)…", Array(bytes[start..<start + 16])))
                    }
                }
            }
            // Texts in 12-byte windows: a block compressor (the `identities` family's) may store a
            // few bytes of a random text as a copy of earlier bytes, but not most of its windows.
            for (t, text) in texts.enumerated() {
                let bytes = Array(text.utf8)
                for start in stride(from: 0, through: bytes.count - 12, by: 4) {
                    out.append(("text \(t) bytes \(start)…", Array(bytes[start..<start + 12])))
                }
            }
            for blob in blobs {
                for start in stride(from: 0, through: blob.bytes.count - 16, by: 16) {
                    out.append(("\(blob.what) bytes \(start)…", Array(blob.bytes[start..<start + 16])))
                }
            }
            return out
        }
    }

    /// Every (file, needle) pair found under `directory`.
    func scan(_ directory: String, for secrets: Secrets) throws -> [String] {
        var found: [String] = []
        let needles = secrets.needles
        let walker = FileManager.default.enumerator(atPath: directory)!
        for case let relative as String in walker {
            let file = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            for needle in needles where data.range(of: Data(needle.bytes)) != nil {
                found.append("\(relative): \(needle.what)")
            }
        }
        return found
    }

    /// A database of `background` random faces with `kind`, then the identity "erase-me" with
    /// distinctive faces, a display name and metadata, then more faces after it (other table files).
    func makeDatabase(
        at path: String, kind: IndexConfiguration.Kind, metric: Metric, rng: inout SeededGenerator, options: DatabaseOptions? = nil
    ) throws -> (FaceDatabase, Secrets, [FaceID]) {
        let space = EmbeddingSpace(model: "m", dimension: dimension, metric: metric)
        let db = try FaceDatabase.create(
            at: path, space: space, index: IndexConfiguration(kind: kind, efSearch: 32, nlist: 8, nprobe: 8, pqM: 8), options: options ?? quiet)
        func random(_ count: Int, _ prefix: String) -> [NewFace] {
            (0..<count).map { i in NewFace(identity: "\(prefix)\(i % 40)", embedding: (0..<dimension).map { _ in rng.nextGaussian() }) }
        }
        try db.addFaces(random(1_500, "before"), createMissingIdentities: true)
        let secret = Secrets(
            vectors: (0..<3).map { _ in (0..<dimension).map { _ in rng.nextGaussian() * 3 } },
            // 64 random characters each, with nothing in common.
            texts: (0..<4).map { k in String((0..<5).map { _ in String(rng.next(), radix: 36) }.joined().prefix(64)) + (k == 3 ? ".jpg" : "") })
        try db.addIdentity("erase-me", displayName: secret.texts[0], metadata: .object(["note": .string(secret.texts[1])]), galleries: ["staff"])
        let ids = try db.addFaces(
            secret.vectors.map { v in
                NewFace(
                    identity: "erase-me", embedding: v,
                    source: FaceSource(path: secret.texts[3], imageSHA256: String(repeating: "ab", count: 32)),
                    metadata: .object(["note": .string(secret.texts[2])]))
            })
        try db.addFaces(random(1_500, "after"), createMissingIdentities: true)
        // The vectors as stored too (normalized for cosine, by the database's own arithmetic).
        var secrets = secret
        for id in ids { secrets.vectors.append(try db.face(id)!.embedding) }
        return (db, secrets, ids)
    }

    func checkErasure(kind: IndexConfiguration.Kind, metric: Metric) throws {
        let directory = TemporaryDirectory("erase-\(kind)")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let context = "\(kind), \(metric); seed \(rng.seed)"
        var (db, secrets, ids) = try makeDatabase(at: path, kind: kind, metric: metric, rng: &rng)
        // The scan finds what is stored: after a close (memtables flushed, snapshot written) and a reopen.
        try db.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        let before = try scan(path, for: secrets)
        for t in secrets.texts.indices {
            XCTAssertTrue(before.contains { $0.contains("text \(t) ") }, "the scan must see stored text \(t): \(before); \(context)")
        }
        for stored in 3..<6 {
            XCTAssertTrue(before.contains { $0.contains("vector \(stored) ") }, "the scan must see stored vector \(stored): \(before); \(context)")
        }

        let report = try db.erase(identity: "erase-me")
        XCTAssertEqual(report.identities, ["erase-me"], context)
        XCTAssertEqual(report.faces, ids.sorted(), context)
        XCTAssertFalse(report.purgedWholeStore, context)
        XCTAssertEqual(try scan(path, for: secrets), [], "left behind while open; \(context)")
        XCTAssertNil(try db.identity("erase-me"), context)
        XCTAssertEqual(db.faceCount, 3_000, context)
        try db.close()
        XCTAssertEqual(try scan(path, for: secrets), [], "left behind after close; \(context)")

        // Everything else is intact, and the index still answers.
        let reopened = try FaceDatabase.open(at: path, options: quiet)
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.faceCount, 3_000, context)
        XCTAssertTrue(try reopened.checkIndex(full: true).isConsistent, context)
        let probe = try reopened.faces(of: "after7")[0]
        XCTAssertEqual(try reopened.search(probe.embedding, k: 1).first?.faceID, probe.id, context)
        for id in ids { XCTAssertNil(try reopened.face(id), context) }
    }

    func testErasingAnIdentityLeavesNoByteOfItFlat() throws { try checkErasure(kind: .flat, metric: .cosine) }
    func testErasingAnIdentityLeavesNoByteOfItHNSW() throws { try checkErasure(kind: .hnsw, metric: .cosine) }
    func testErasingAnIdentityLeavesNoByteOfItIVF() throws { try checkErasure(kind: .ivf, metric: .l2) }
    func testErasingAnIdentityLeavesNoByteOfItIVFPQ() throws { try checkErasure(kind: .ivfpq, metric: .l2) }

    /// `remove` is a logical delete (the bytes stay); erasing an identity removed before purges
    /// the whole store, and erasing face ids removed before purges their ranges.
    func testErasingWhatWasRemovedBeforePurgesIt() throws {
        let directory = TemporaryDirectory("erase-removed")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var (db, secrets, _) = try makeDatabase(at: path, kind: .hnsw, metric: .l2, rng: &rng)
        try db.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        try db.removeIdentity("erase-me")
        try db.close()
        XCTAssertFalse(try scan(path, for: secrets).isEmpty, "a logical remove keeps the bytes (what erase is for); seed \(rng.seed)")
        db = try FaceDatabase.open(at: path, options: quiet)
        let report = try db.erase(identity: "erase-me")
        XCTAssertEqual(report.alreadyRemoved, ["erase-me"])
        XCTAssertTrue(report.purgedWholeStore)
        XCTAssertEqual(try scan(path, for: secrets), [], "seed \(rng.seed)")

        // Single faces: one stored, one removed earlier, one never stored.
        let victims = try db.faces(of: "after3").prefix(2)
        try db.removeFaces([victims.last!.id])
        let faceSecrets = Secrets(vectors: victims.map(\.embedding), texts: [])
        let faces = try db.erase(faces: victims.map(\.id) + [FaceID(999_999)])
        XCTAssertEqual(faces.faces, [victims.first!.id])
        XCTAssertEqual(Set(faces.alreadyRemoved), [String(victims.last!.id.rawValue), "999999"])
        XCTAssertEqual(try scan(path, for: faceSecrets), [], "seed \(rng.seed)")
        XCTAssertEqual(db.faceCount, 2_998)
        try db.close()
        XCTAssertEqual(try scan(path, for: faceSecrets), [], "after close; seed \(rng.seed)")
    }

    func testErasingAWholeDatabaseLeavesNothing() throws {
        let directory = TemporaryDirectory("erase-all")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let (db, _, _) = try makeDatabase(at: path, kind: .flat, metric: .l2, rng: &rng)
        // Open: refused, nothing touched.
        XCTAssertThrowsError(try FaceDatabase.eraseDatabase(at: path)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .databaseLocked) }
        try db.close()
        // A symbolic link inside is deleted, not followed: the file it names survives.
        let outside = directory.path("outside.txt")
        try "keep me".write(toFile: outside, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path + "/link", withDestinationPath: outside)
        // Not a database: refused, nothing touched.
        let other = directory.path("other")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "data".write(toFile: other + "/file", atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try FaceDatabase.eraseDatabase(at: other)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .notADatabase) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: other + "/file"))

        try FaceDatabase.eraseDatabase(at: path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try String(contentsOfFile: outside, encoding: .utf8), "keep me")
    }

    /// In an encrypted database the plaintext is never on disk; what erasure must remove is the
    /// erased rows' sealed values (read raw from the store, bypassing the cipher) and the
    /// snapshot's sealed chunks that held their vectors.
    func testErasingFromAnEncryptedDatabaseLeavesNoneOfItsCiphertext() throws {
        let directory = TemporaryDirectory("erase-encrypted")
        let path = directory.path("db")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let options = DatabaseOptions(logger: DatabaseOptions.silentLogger, key: EncryptionKey.random())
        var (db, plain, ids) = try makeDatabase(at: path, kind: .hnsw, metric: .cosine, rng: &rng, options: options)
        try db.close()
        XCTAssertEqual(try scan(path, for: plain), [], "nothing in the clear; seed \(rng.seed)")

        let store = try RocksDB(path: path + "/store", mode: .readOnly)
        var sealed = Secrets(vectors: [], texts: [])
        for id in ids {
            let value = try XCTUnwrap(try store.get(.faces, Keyspace.faceKey(id)))
            XCTAssertEqual(value.first, DataCipher.marker)
            sealed.blobs.append(("face \(id.rawValue)'s sealed row", value))
        }
        sealed.blobs.append(("the identity's sealed row", try XCTUnwrap(try store.get(.identities, Keyspace.identityKey("erase-me")))))
        store.close()
        let snapshot = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/index.snapshot")))
        // The snapshot is sealed anew when rewritten: none of its old ciphertext may stay (16 bytes
        // every 2 KiB after the plain 36-byte prefix).
        for offset in stride(from: 36, to: snapshot.count - 16, by: 2048) {
            sealed.blobs.append(("the old snapshot at \(offset)", Array(snapshot[offset..<offset + 16])))
        }

        db = try FaceDatabase.open(at: path, options: options)
        let before = try scan(path, for: sealed)
        for blob in sealed.blobs {
            XCTAssertTrue(before.contains { $0.contains(blob.what) }, "the scan must see \(blob.what); seed \(rng.seed)")
        }
        let report = try db.erase(identity: "erase-me")
        XCTAssertEqual(report.faces, ids.sorted())
        XCTAssertEqual(try scan(path, for: sealed), [], "left behind while open; seed \(rng.seed)")
        try db.close()
        XCTAssertEqual(try scan(path, for: sealed), [], "left behind after close; seed \(rng.seed)")
        XCTAssertEqual(try scan(path, for: plain), [], "seed \(rng.seed)")
        let reopened = try FaceDatabase.open(at: path, options: options)
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.faceCount, 3_000)
        XCTAssertNil(try reopened.identity("erase-me"))
    }
}
