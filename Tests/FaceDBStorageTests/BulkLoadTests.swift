import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBStorage

/// Large writes of new faces go in as ingested table files; they must look exactly like any other
/// write, and one interrupted between ingestion and commit must vanish on the next open.
final class BulkLoadTests: XCTestCase {
    let space = EmbeddingSpace(model: "test", dimension: 8, metric: .l2)
    var directory: TemporaryDirectory!
    var path: String { directory.path("store") }

    override func setUp() { directory = TemporaryDirectory("bulk") }
    override func tearDown() { directory = nil }

    func faces(_ count: Int, identities: Int, rng: inout SeededGenerator, ids: Range<Int64>? = nil) -> [NewFace] {
        (0..<count).map { i in
            NewFace(
                identity: "p\(i % identities)", embedding: (0..<8).map { _ in rng.nextGaussian() },
                id: ids.map { FaceID($0.lowerBound + Int64(i)) })
        }
    }

    /// Identities, their face ids, vectors and counters: everything a reader can see.
    func contents(_ store: FaceStore) throws -> String {
        var text = "ids \(store.identityCount) faces \(store.faceCount)\n"
        for identity in try store.identities() { text += "\(identity.id) \(try store.faceIDs(of: identity.id))\n" }
        try store.forEachVector { ids, vectors in text += "\(ids) \(vectors)\n" }
        return text
    }

    func testBulkWriteStoresTheSameAsSmallWrites() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        var batch = faces(FaceStore.bulkLoadThreshold + 123, identities: 37, rng: &rng)
        // Some faces carry details (a source, metadata or both), stored in the same rows.
        for i in batch.indices where rng.next() % 3 == 0 {
            if rng.next() % 2 == 0 { batch[i].source = FaceSource(path: "p/\(i).jpg", box: [1, 2, 3, Double(i)]) }
            if rng.next() % 2 == 0 { batch[i].metadata = .object(["i": .number(Double(i))]) }
        }
        let bulk = try FaceStore.create(at: path, space: space, index: .flat)
        let small = try FaceStore.create(at: directory.path("small"), space: space, index: .flat)
        defer { bulk.close(); small.close() }
        let added = try bulk.addFaces(batch, createMissingIdentities: true)
        for start in stride(from: 0, to: batch.count, by: 1_000) {
            _ = try small.addFaces(Array(batch[start..<min(start + 1_000, batch.count)]), createMissingIdentities: true)
        }
        XCTAssertEqual(added.ids.map(\.rawValue), Array(0..<Int64(batch.count)))
        XCTAssertEqual(try contents(bulk), try contents(small), "seed \(seed)")
        for (id, face) in zip(added.ids, batch) {
            let stored = try XCTUnwrap(try bulk.face(id), "face \(id), seed \(seed)")
            XCTAssertEqual(stored.identity, face.identity, "face \(id), seed \(seed)")
            XCTAssertEqual(stored.source, face.source, "face \(id), seed \(seed)")
            XCTAssertEqual(stored.metadata, face.metadata, "face \(id), seed \(seed)")
        }
        XCTAssertEqual(try bulk.changes(after: 0)?.flatMap(\.change.added), added.ids.map(\.rawValue))
        // Chosen ids above every stored one are bulk-loaded too, in any order; ids assigned
        // afterwards start above them.
        var chosen = faces(FaceStore.bulkLoadThreshold, identities: 5, rng: &rng, ids: 50_000..<60_000)
        chosen.shuffle(using: &rng)
        _ = try bulk.addFaces(chosen, createMissingIdentities: true)
        for start in stride(from: 0, to: chosen.count, by: 1_000) {
            _ = try small.addFaces(Array(chosen[start..<min(start + 1_000, chosen.count)]), createMissingIdentities: true)
        }
        XCTAssertEqual(try contents(bulk), try contents(small), "seed \(seed)")
        let seventh = try XCTUnwrap(chosen.first { $0.id == FaceID(50_007) })
        XCTAssertEqual(try bulk.face(FaceID(50_007))?.embedding, seventh.embedding)
        let next = try bulk.addFaces(faces(1, identities: 1, rng: &rng))
        XCTAssertEqual(next.ids, [FaceID(50_000 + Int64(FaceStore.bulkLoadThreshold))])
    }

    /// The membership order of a write — identities bytewise, then position — against a plain sort
    /// on the identities' bytes, for identities that share long prefixes, differ only past the first
    /// 8 bytes after them, are prefixes of one another, repeat, or are not ASCII.
    func testIdentityOrderIsBytewiseThenByPosition() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let stems = ["person-", "person-0000000", "p", "", "ß-", "user:550e8400-e29b-41d4-a716-44665544", "zz"]
        for round in 0..<30 {
            let prefix = round % 3 == 0 ? "" : "tenant-\(round)/"
            let names = (0..<(1 + Int(rng.next() % 400))).map { _ -> String in
                let stem = stems[Int(rng.next() % UInt64(stems.count))]
                let tail = String(rng.next() % [1, 10, 1000, 1 << 40][Int(rng.next() % 4)])
                let name = prefix + stem + (rng.next() % 5 == 0 ? "" : tail)
                return name.isEmpty ? "x" : name
            }
            let faces = names.map { NewFace(identity: $0, embedding: []) }
            let expected = names.indices.sorted { x, y in
                let a = Array(names[x].utf8), b = Array(names[y].utf8)
                return a != b ? Keyspace.precedes(a, b) : x < y
            }
            XCTAssertEqual(PreparedFaces.identityOrder(faces), expected, "round \(round), seed \(seed)")
        }
        XCTAssertEqual(PreparedFaces.identityOrder([String]()), [])
    }

    /// A bulk load checks its identities while its table files are written: an unknown one refuses
    /// the write, nothing of it is stored or left behind, and the next write goes in as usual.
    func testAnUnknownIdentityRefusesABulkLoad() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let store = try FaceStore.create(at: path, space: space, index: .flat)
        defer { store.close() }
        for i in 0..<5 { try store.addIdentity("p\(i)") }
        _ = try store.addFaces(faces(10, identities: 5, rng: &rng))
        let before = try contents(store)
        var batch = faces(FaceStore.bulkLoadThreshold + 10, identities: 5, rng: &rng)
        batch[batch.count / 3].identity = "nobody"
        batch[batch.count / 2].identity = "ghost"
        XCTAssertThrowsError(try store.addFaces(batch)) { error in
            // The first unknown one by key.
            XCTAssertEqual((error as? FaceDBError)?.code, .unknownIdentity, "seed \(seed)")
            XCTAssertEqual((error as? FaceDBError)?.identity, "ghost", "seed \(seed)")
        }
        XCTAssertEqual(try contents(store), before, "seed \(seed)")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: store.bulkDirectory)) ?? []
        XCTAssertEqual(leftovers, [], "seed \(seed)")
        batch[batch.count / 3].identity = "p1"
        batch[batch.count / 2].identity = "p2"
        let added = try store.addFaces(batch)
        XCTAssertEqual(added.ids.first, FaceID(10), "seed \(seed)")
        XCTAssertEqual(store.faceCount, 10 + batch.count)
        XCTAssertEqual(try store.faceIDs(of: "p2").count, batch.filter { $0.identity == "p2" }.count + 2, "seed \(seed)")
    }

    /// Large writes are prepared in two halves at once; a bad face is still reported by its position
    /// (the first one when there are several) and nothing is stored.
    func testBadFacesInLargeWritesAreReportedByPosition() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let store = try FaceStore.create(at: path, space: space, index: .flat)
        defer { store.close() }
        let count = PreparedFaces.parallelThreshold + 500
        for bad in [[count - 3], [7, count - 3], [count / 2 + 1, count - 1]] {
            var batch = faces(count, identities: 11, rng: &rng)
            for i in bad { batch[i].embedding[3] = .nan }
            XCTAssertThrowsError(try store.addFaces(batch, createMissingIdentities: true)) { error in
                XCTAssertTrue("\(error)".contains("Face #\(bad[0]) "), "\(bad): \(error)")
            }
            XCTAssertEqual(store.faceCount, 0)
        }
    }

    /// Every bulk load adds a membership file spanning the whole key range; dozens of them, merged
    /// by the family's compactions while faces and identities are removed in between, still list exactly the faces
    /// a dictionary kept alongside says each identity has, before and after reopening.
    func testManyBulkLoadsKeepEveryMembershipThroughCompactions() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        var store = try FaceStore.create(at: path, space: space, index: .flat)
        var expected: [String: Set<FaceID>] = [:]
        let writes = 40
        for write in 0..<writes {
            let batch = (0..<FaceStore.bulkLoadThreshold).map { _ in
                NewFace(identity: "p\(rng.next() % 700)", embedding: (0..<8).map { _ in rng.nextGaussian() })
            }
            let added = try store.addFaces(batch, createMissingIdentities: true)
            for (id, face) in zip(added.ids, batch) { expected[face.identity, default: []].insert(id) }
            if write % 7 == 6 {
                let victims = (0..<50).map { _ in added.ids[Int(rng.next() % UInt64(added.ids.count))] }
                try store.removeFaces(Array(Set(victims)))
                for (id, face) in zip(added.ids, batch) where victims.contains(id) { expected[face.identity]?.remove(id) }
            }
            // A removed identity (a range deletion) comes back in later bulk loads with new faces only.
            if write % 13 == 12 {
                let gone = "p\(write)"
                XCTAssertEqual(Set(try store.removeIdentity(gone).faces), expected[gone] ?? [], "seed \(seed)")
                expected[gone] = nil
            }
        }
        // The compactions have run: far fewer files are left than were ingested.
        let deadline = Date().addingTimeInterval(120)
        while (store.db.integerProperty("rocksdb.compaction-pending", of: .identityFaces) ?? 0) > 0
            || (store.db.integerProperty("rocksdb.num-running-compactions", of: .identityFaces) ?? 0) > 0,
            Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let files = (0..<7).compactMap { store.db.integerProperty("rocksdb.num-files-at-level\($0)", of: .identityFaces) }
        XCTAssertLessThan(files.reduce(0, +), 17, "membership files per level \(files), seed \(seed)")
        for pass in ["before reopening", "after reopening"] {
            for (identity, ids) in expected {
                XCTAssertEqual(try store.faceIDs(of: identity), ids.sorted { $0.rawValue < $1.rawValue }, "\(identity) \(pass), seed \(seed)")
            }
            XCTAssertEqual(store.faceCount, expected.values.map(\.count).reduce(0, +), "seed \(seed)")
            store.close()
            store = try FaceStore.open(at: path)
        }
        store.close()
    }

    func testAnInterruptedBulkLoadIsRolledBackOnOpen() throws {
        try interruptedBulkLoad(legacyMark: false)
    }

    /// Stores of earlier versions also left a `bulk_pending` mark; it goes with the rows.
    func testAnInterruptedBulkLoadOfAnEarlierVersionIsRolledBackOnOpen() throws {
        try interruptedBulkLoad(legacyMark: true)
    }

    func interruptedBulkLoad(legacyMark: Bool) throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var store = try FaceStore.create(at: path, space: space, index: .flat)
        _ = try store.addFaces(faces(10, identities: 3, rng: &rng), createMissingIdentities: true)
        let before = try contents(store)
        // What a crash between ingestion and commit leaves: face rows and membership rows at and
        // above the committed next_face_id (10), and a table file not yet ingested.
        let orphan = store.db.makeBatch()
        if legacyMark { orphan.put(.meta, Keyspace.bulkPendingKey, Keyspace.bigEndian(UInt64(10))) }
        for id in Int64(10)..<20 {
            let record = FaceRecord(identity: "p0", createdMs: 0, details: nil, vector: (0..<8).map { _ in rng.nextGaussian() })
            orphan.put(.faces, Keyspace.faceKey(FaceID(id)), try record.encoded())
            orphan.put(.identityFaces, Keyspace.identityFaceKey("p0", FaceID(id)), [])
        }
        try store.db.write(orphan, sync: true)
        try FileManager.default.createDirectory(atPath: store.bulkDirectory, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: store.bulkDirectory + "/faces-9.sst"))
        store.close()

        store = try FaceStore.open(at: path)
        defer { store.close() }
        XCTAssertEqual(try contents(store), before)
        XCTAssertNil(try store.db.get(.meta, Keyspace.bulkPendingKey))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.bulkDirectory))
        // The store goes on normally, bulk loads included.
        let more = try store.addFaces(faces(FaceStore.bulkLoadThreshold, identities: 3, rng: &rng), createMissingIdentities: true)
        XCTAssertEqual(more.ids.first, FaceID(10))
        XCTAssertEqual(store.faceCount, 10 + FaceStore.bulkLoadThreshold)
        XCTAssertEqual(try store.faceIDs(of: "p0").count, 4 + (FaceStore.bulkLoadThreshold + 2) / 3)
    }
}
