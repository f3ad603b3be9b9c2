import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Encryption at rest. The oracle is a byte scan of every file under the database for stored
/// embeddings (as given and as stored, in 16-byte windows) and metadata texts (in 12-byte windows).
final class EncryptionTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    func options(_ key: EncryptionKey?, readOnly: Bool = false) -> DatabaseOptions {
        DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: readOnly, key: key)
    }

    /// Windows of `bytes`: `width` bytes every `step`.
    func windows(_ bytes: [UInt8], width: Int, step: Int) -> [[UInt8]] {
        stride(from: 0, through: bytes.count - width, by: step).map { Array(bytes[$0..<$0 + width]) }
    }

    /// The files under `path` holding any of `needles`.
    func filesHolding(_ needles: [[UInt8]], under path: String) throws -> [String] {
        var found: Set<String> = []
        for case let relative as String in FileManager.default.enumerator(atPath: path)! {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path + "/" + relative))
            for needle in needles where data.range(of: Data(needle)) != nil { found.insert(relative) }
        }
        return found.sorted()
    }

    /// A database of 3,000 faces in 60 identities with names, metadata and photo paths; returns what
    /// must not appear in its files.
    func fill(_ db: FaceDatabase, rng: inout SeededGenerator) throws -> [[UInt8]] {
        var needles: [[UInt8]] = []
        func text(_ prefix: String) -> String { prefix + (0..<4).map { _ in String(rng.next(), radix: 36) }.joined() }
        for p in 0..<60 {
            let name = text("name"), note = text("note")
            try db.addIdentity("person\(p)", displayName: name, metadata: .object(["note": .string(note)]), galleries: ["staff"])
            let faces = (0..<50).map { _ in
                NewFace(
                    identity: "person\(p)", embedding: (0..<32).map { _ in rng.nextGaussian() },
                    source: FaceSource(path: text("photo") + ".jpg"), metadata: .object(["camera": .string(text("cam"))]))
            }
            let ids = try db.addFaces(faces)
            if p % 20 == 0 {  // a sample: 3 identities' texts and 10 vectors of each, as given and as stored
                needles += [name, note].flatMap { windows(Array($0.utf8), width: 12, step: 8) }
                for (id, face) in zip(ids, faces).prefix(10) {
                    needles += windows(face.embedding.withUnsafeBytes { Array($0) }, width: 16, step: 32)
                    needles += windows(try db.face(id)!.embedding.withUnsafeBytes { Array($0) }, width: 16, step: 32)
                    needles += windows(Array(face.source!.path!.utf8), width: 12, step: 8)
                }
            }
        }
        return needles
    }

    func checkNothingReadable(kind: IndexConfiguration.Kind, metric: Metric) throws {
        let directory = TemporaryDirectory("encrypted-\(kind)")
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let context = "\(kind); seed \(rng.seed)"
        let key = EncryptionKey.random()
        // The oracle first sees the same data in the clear in a database without a key.
        for encrypted in [false, true] {
            let path = directory.path(encrypted ? "encrypted" : "plain")
            var generator = SeededGenerator(seed: rng.seed)
            let space = EmbeddingSpace(model: "m", dimension: 32, metric: metric)
            let index = IndexConfiguration(kind: kind, efSearch: 32, nlist: 8, nprobe: 8, pqM: 8)
            var db = try FaceDatabase.create(at: path, space: space, index: index, options: options(encrypted ? key : nil))
            XCTAssertEqual(db.isEncrypted, encrypted)
            let needles = try fill(db, rng: &generator)
            try db.close()
            let holding = try filesHolding(needles, under: path)
            if encrypted {
                XCTAssertEqual(holding, [], "plaintext in an encrypted database's files; \(context)")
            } else {
                XCTAssertTrue(holding.contains { $0.hasPrefix("store/") } && holding.contains("index.snapshot"), "\(holding); \(context)")
            }
            // Everything works after reopening (with the key).
            db = try FaceDatabase.open(at: path, options: options(encrypted ? key : nil))
            XCTAssertEqual(db.faceCount, 3_000, context)
            XCTAssertTrue(try db.checkIndex(full: true).isConsistent, context)
            let person = try db.identity("person7")
            XCTAssertTrue(person?.displayName?.hasPrefix("name") ?? false, context)
            let probe = try db.faces(of: "person7")[3]
            XCTAssertEqual(try db.search(probe.embedding, k: 1).first?.faceID, probe.id, context)
            XCTAssertTrue(probe.source?.path?.hasSuffix(".jpg") ?? false, context)
            try db.close()
        }
    }

    func testAnEncryptedFlatDatabaseHoldsNoReadableData() throws { try checkNothingReadable(kind: .flat, metric: .cosine) }
    func testAnEncryptedHNSWDatabaseHoldsNoReadableData() throws { try checkNothingReadable(kind: .hnsw, metric: .l2) }
    func testAnEncryptedIVFPQDatabaseHoldsNoReadableData() throws { try checkNothingReadable(kind: .ivfpq, metric: .l2) }

    func testAMissingOrWrongKeyIsRefusedAndNothingChanges() throws {
        let directory = TemporaryDirectory("encrypted-keys")
        let path = directory.path("db")
        let key = EncryptionKey.random()
        let db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: options(key))
        try db.addFaces([NewFace(identity: "ada", embedding: [1, 2, 3, 4])], createMissingIdentities: true)
        try db.close()
        func code(_ options: DatabaseOptions, at database: String? = nil) -> FaceDBError.Code? {
            do {
                try FaceDatabase.open(at: database ?? path, options: options).close()
                return nil
            } catch {
                return (error as? FaceDBError)?.code
            }
        }
        XCTAssertEqual(code(options(nil)), .keyRequired)
        XCTAssertEqual(code(options(nil, readOnly: true)), .keyRequired)
        XCTAssertEqual(code(options(EncryptionKey.random())), .wrongKey)
        XCTAssertEqual(code(options(EncryptionKey.random(), readOnly: true)), .wrongKey)
        // The store is untouched: it still opens with its key and holds the face.
        let reopened = try FaceDatabase.open(at: path, options: options(key))
        XCTAssertEqual(try reopened.faces(of: "ada").first?.embedding, [1, 2, 3, 4])
        try reopened.close()
        // A key for a database that is not encrypted is a mistake too.
        let plain = directory.path("plain")
        try FaceDatabase.create(at: plain, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: quiet).close()
        XCTAssertEqual(code(DatabaseOptions(logger: DatabaseOptions.silentLogger, key: key), at: plain), .wrongKey)
        XCTAssertThrowsError(try EncryptionKey(bytes: [1, 2, 3])) { XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument) }
    }

    func testChangingTheKeyLeavesOnlyTheNewOneWorking() throws {
        let directory = TemporaryDirectory("encrypted-rekey")
        let path = directory.path("db")
        let old = EncryptionKey.random(), new = EncryptionKey.random()
        var db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: options(old))
        try db.addFaces([NewFace(identity: "ada", embedding: [1, 2, 3, 4])], createMissingIdentities: true)
        XCTAssertThrowsError(try db.changeKey(from: new, to: old)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .wrongKey) }
        try db.changeKey(from: old, to: new)
        try db.close()
        XCTAssertThrowsError(try FaceDatabase.open(at: path, options: options(old))) { XCTAssertEqual(($0 as? FaceDBError)?.code, .wrongKey) }
        db = try FaceDatabase.open(at: path, options: options(new))
        XCTAssertEqual(try db.faces(of: "ada").first?.embedding, [1, 2, 3, 4])
        try db.close()
    }

    func testRepairSalvagesAnEncryptedDatabaseWithItsKey() throws {
        let directory = TemporaryDirectory("encrypted-repair")
        let path = directory.path("db")
        let key = EncryptionKey.random()
        let db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2), options: options(key))
        try db.addFaces((0..<20).map { NewFace(identity: "p\($0 % 4)", embedding: [Float($0), 1, 2, 3]) }, createMissingIdentities: true)
        try db.close()
        XCTAssertThrowsError(try FaceDatabase.repair(from: path, into: directory.path("nokey"), options: quiet)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .keyRequired)
        }
        let report = try FaceDatabase.repair(from: path, into: directory.path("new"), options: options(key))
        XCTAssertEqual(report.facesSalvaged, 20)
        XCTAssertTrue(report.isComplete, "\(report.losses)")
        XCTAssertEqual(report.snapshotStatus, .compared)
        let repaired = try FaceDatabase.open(at: directory.path("new"), options: options(key))
        XCTAssertTrue(repaired.isEncrypted)
        XCTAssertEqual(repaired.faceCount, 20)
        try repaired.close()
    }
}
