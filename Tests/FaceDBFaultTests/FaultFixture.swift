import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Databases to damage, and the tools to damage them and to see what changed.
enum FaultFixture {
    static let space = EmbeddingSpace(model: "m", dimension: 16, metric: .l2)
    static let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    /// A seeded vector.
    static func vector(_ rng: inout SeededGenerator) -> [Float] { (0..<space.dimension).map { _ in rng.nextGaussian() } }

    /// A database written in `rounds` sessions of `perRound` faces (each closed, so each leaves a
    /// table file and a MANIFEST edit); returns every stored vector by face id.
    static func database(at path: String, rounds: Int, perRound: Int, rng: inout SeededGenerator) throws -> [FaceID: [Float]] {
        var vectors: [FaceID: [Float]] = [:]
        try FaceDatabase.create(at: path, space: space, options: quiet).close()
        for round in 0..<rounds {
            let db = try FaceDatabase.open(at: path, options: quiet)
            let faces = (0..<perRound).map { i in NewFace(identity: "r\(round)-p\(i % 7)", embedding: vector(&rng)) }
            for (id, face) in zip(try db.addFaces(faces, createMissingIdentities: true), faces) { vectors[id] = face.embedding }
            try db.close()
        }
        return vectors
    }

    /// A database whose last writes are only in the write-ahead log, as a killed process leaves it:
    /// `batches` acknowledged writes of 10 faces into `directory/live`, copied to `directory/image`
    /// while still open. Returns the copy and the vectors of each batch.
    static func crashImage(in directory: TemporaryDirectory, batches: Int, rng: inout SeededGenerator) throws -> (
        path: String, batches: [[FaceID: [Float]]]
    ) {
        let live = directory.path("live")
        let db = try FaceDatabase.create(at: live, space: space, options: quiet)
        var written: [[FaceID: [Float]]] = []
        for b in 0..<batches {
            let faces = (0..<10).map { i in NewFace(identity: "b\(b)-\(i % 3)", embedding: vector(&rng)) }
            var batch: [FaceID: [Float]] = [:]
            for (id, face) in zip(try db.addFaces(faces, createMissingIdentities: true), faces) { batch[id] = face.embedding }
            written.append(batch)
        }
        let image = directory.path("image")
        try FileManager.default.copyItem(atPath: live, toPath: image)
        try db.close()
        return (image, written)
    }

    /// Files under `path` (relative names) with a hash of their bytes, leaving out RocksDB's
    /// diagnostic LOG files (any open, even a refused or read-only one, rotates them).
    static func contents(_ path: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: path)! {
            let last = (name as NSString).lastPathComponent
            if last == "LOG" || last.hasPrefix("LOG.old") { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            out[name] = XXHash64.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))))
        }
        return out
    }

    /// The store's files whose names end in `suffix` (or start with it, for `MANIFEST`), by path.
    static func storeFiles(_ database: String, _ match: (String) -> Bool) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: database + "/store").filter(match).sorted().map { database + "/store/" + $0 }
    }

    /// Flips one bit of the byte at `offset` (negative: from the end).
    static func flip(_ path: String, at offset: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let i = offset >= 0 ? offset : bytes.count + offset
        bytes[i] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Cuts the file to `length` bytes.
    static func truncate(_ path: String, to length: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(length))
        try handle.close()
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// Asserts that opening refuses with `.corruption`, read-only and for writing, and that nothing changed.
    static func assertRefused(_ path: String, mentions words: [String] = [], _ context: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let before = try contents(path)
        for readOnly in [true, false] {
            XCTAssertThrowsError(
                try FaceDatabase.open(at: path, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: readOnly)),
                "\(context), readOnly \(readOnly)", file: file, line: line
            ) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .corruption, "\(error); \(context)", file: file, line: line)
                for word in words {
                    XCTAssertTrue("\(error)".localizedCaseInsensitiveContains(word), "'\(word)' not in \(error); \(context)", file: file, line: line)
                }
            }
        }
        let check = try runFacedb(["check", path])
        XCTAssertEqual(check.status, 1, "check must fail: \(check.stdout) \(check.stderr); \(context)", file: file, line: line)
        XCTAssertFalse(check.wasSignalled, context, file: file, line: line)
        XCTAssertEqual(try contents(path), before, "a refused open or check changed files; \(context)", file: file, line: line)
    }

    /// Asserts that the database holds exactly `vectors` and that its index finds each of them.
    static func assertHolds(_ path: String, _ vectors: [FaceID: [Float]], _ context: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let db = try FaceDatabase.open(at: path, options: quiet)
        defer { try? db.close() }
        XCTAssertEqual(db.faceCount, vectors.count, context, file: file, line: line)
        let check = try db.checkIndex(full: true)
        XCTAssertTrue(check.isConsistent, "\(check); \(context)", file: file, line: line)
        for (id, vector) in vectors {
            XCTAssertEqual(try db.face(id)?.embedding, vector, "face \(id); \(context)", file: file, line: line)
        }
        for (id, vector) in vectors.prefix(40) {
            XCTAssertEqual(try db.search(vector, k: 1).first?.faceID, id, "search for face \(id); \(context)", file: file, line: line)
        }
    }
}
