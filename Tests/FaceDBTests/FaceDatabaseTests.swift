import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

final class FaceDatabaseTests: XCTestCase {
    let space = EmbeddingSpace(model: "test-model", dimension: 16, metric: .l2)
    var directory: TemporaryDirectory!
    var path: String { directory.path("db") }
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    override func setUp() { directory = TemporaryDirectory("db") }
    override func tearDown() { directory = nil }

    func vector(_ rng: inout SeededGenerator) -> [Float] { (0..<16).map { _ in rng.nextGaussian() } }

    func expect(_ code: FaceDBError.Code, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, code, "\(error)", line: line)
            XCTAssertFalse((error as? FaceDBError)?.message.isEmpty ?? true, line: line)
        }
    }

    /// Everything observable, to compare before and after refused operations.
    func fingerprint(_ db: FaceDatabase) throws -> String {
        var text = ""
        for identity in try db.identities() {
            text += "\(identity.id) \(identity.displayName ?? "-") \(identity.metadata) \(identity.galleries)\n"
            for face in try db.faces(of: identity.id) { text += "  \(face.id) \(face.embedding)\n" }
        }
        let check = try db.checkIndex()
        return text + "consistent \(check.isConsistent) \(check.indexedVectors)"
    }

    func testBadInputGetsSpecificErrorsAndChangesNothing() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: path, space: space, options: quiet)
        try db.addIdentity("ada", metadata: .object(["x": .number(1)]))
        try db.addFaces([NewFace(identity: "ada", embedding: vector(&rng))])
        let before = try fingerprint(db)
        expect(.dimensionMismatch) { try db.addFaces([NewFace(identity: "ada", embedding: [1, 2])]) }
        expect(.dimensionMismatch) { _ = try db.search([1, 2, 3], k: 3) }
        expect(.invalidVector) { try db.addFaces([NewFace(identity: "ada", embedding: [Float.nan] + vector(&rng).dropFirst())]) }
        expect(.invalidVector) { _ = try db.search([-Float.infinity] + vector(&rng).dropFirst(), k: 3) }
        expect(.invalidArgument) { try db.addIdentity("") }
        expect(.invalidArgument) { try db.addFaces([NewFace(identity: "", embedding: vector(&rng))]) }
        expect(.invalidArgument) { _ = try db.search(vector(&rng), k: 0) }
        expect(.unknownIdentity) { try db.addFaces([NewFace(identity: "nobody", embedding: vector(&rng))]) }
        expect(.unknownIdentity) { try db.removeIdentity("nobody") }
        expect(.unknownIdentity) { _ = try db.faces(of: "nobody") }
        expect(.unknownIdentity) { _ = try db.closestFace(to: vector(&rng), in: "nobody") }
        expect(.unknownFace) { try db.removeFaces([FaceID(999)]) }
        expect(.alreadyExists) { try db.addIdentity("ada") }
        XCTAssertEqual(try fingerprint(db), before, "seed \(rng.seed)")
        try db.close()
        let reopened = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(try fingerprint(reopened), before, "seed \(rng.seed)")
        try reopened.close()
    }

    func testOpeningWrongThingsIsRefused() throws {
        expect(.notADatabase) { _ = try FaceDatabase.open(at: directory.path("missing")) }
        try FileManager.default.createDirectory(atPath: directory.path("plain"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.path("plain/notes.txt"), contents: Data("hi".utf8))
        expect(.notADatabase) { _ = try FaceDatabase.open(at: directory.path("plain")) }
        expect(.databaseExists) { _ = try FaceDatabase.create(at: directory.path("plain"), space: space) }
        let db = try FaceDatabase.create(at: path, space: space, options: quiet)
        expect(.databaseLocked) { _ = try FaceDatabase.open(at: path, options: quiet) }
        try db.close()
        expect(.closed) { _ = try db.search([Float](repeating: 0, count: 16)) }
        expect(.databaseExists) { _ = try FaceDatabase.create(at: path, space: space) }
        expect(.modelMismatch) { _ = try FaceDatabase.open(at: path, expectingModel: "other-model", options: quiet) }
        expect(.dimensionMismatch) { _ = try FaceDatabase.open(at: path, expectingModel: "test-model", dimension: 512, options: quiet) }
        expect(.invalidArgument) {
            _ = try FaceDatabase.create(at: directory.path("bad"), space: EmbeddingSpace(model: "m", dimension: 0, metric: .l2))
        }
        expect(.invalidArgument) {
            _ = try FaceDatabase.create(
                at: directory.path("badpq"), space: EmbeddingSpace(model: "m", dimension: 10, metric: .l2),
                index: IndexConfiguration(kind: .ivfpq, pqM: 16))
        }
        let again = try FaceDatabase.open(at: path, expectingModel: "test-model", dimension: 16, options: quiet)
        try again.close()
    }

    func testGalleryAndIdentityFiltersEqualBruteForceOverTheSubset() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        for kind in IndexConfiguration.Kind.allCases {
            let dir = TemporaryDirectory("filter")
            let db = try FaceDatabase.create(
                at: dir.path("db"), space: space, index: IndexConfiguration(kind: kind, nlist: 8, pqM: 4), options: quiet)
            var all: [(id: Int64, identity: String, vector: [Float])] = []
            for p in 0..<40 {
                try db.addIdentity("p\(p)", galleries: p % 2 == 0 ? ["even"] : (p % 3 == 0 ? ["odd", "three"] : ["odd"]))
                let faces = (0..<10).map { _ in NewFace(identity: "p\(p)", embedding: vector(&rng)) }
                let ids = try db.addFaces(faces)
                for (id, f) in zip(ids, faces) { all.append((id.rawValue, f.identity, f.embedding)) }
            }
            let evens = Set((0..<40).filter { $0 % 2 == 0 }.map { "p\($0)" })
            for _ in 0..<10 {
                let probe = vector(&rng)
                let subset = all.filter { evens.contains($0.identity) }
                let truth = BruteForce.search(probe, in: subset.flatMap(\.vector), ids: subset.map(\.id), dimension: 16, metric: .l2, k: 5)
                let got = try db.search(probe, k: 5, filter: SearchFilter(galleries: ["even"]))
                XCTAssertTrue(got.allSatisfy { evens.contains($0.identity) }, "kind \(kind) seed \(rng.seed)")
                if kind == .flat { XCTAssertEqual(got.map(\.faceID.rawValue), truth.map(\.id), "seed \(rng.seed)") }
                let two = try db.search(probe, k: 50, filter: SearchFilter(identities: ["p1", "p4"]))
                XCTAssertEqual(Set(two.map(\.identity)), ["p1", "p4"], "kind \(kind) seed \(rng.seed)")
                XCTAssertEqual(two.count, 20, "kind \(kind) seed \(rng.seed)")
                let both = try db.search(probe, k: 50, filter: SearchFilter(galleries: ["three"], identities: ["p3", "p4"]))
                XCTAssertEqual(Set(both.map(\.identity)), ["p3"], "kind \(kind) seed \(rng.seed)")
            }
            // A filter naming what does not exist is an error naming it, not an empty answer.
            XCTAssertThrowsError(try db.search(vector(&rng), k: 5, filter: SearchFilter(galleries: ["empty-gallery"]))) {
                XCTAssertTrue(($0 as? FaceDBError)?.message.contains("'empty-gallery'") ?? false, "\($0)")
            }
            XCTAssertThrowsError(try db.search(vector(&rng), k: 5, filter: SearchFilter(identities: ["p1", "nobody"]))) {
                XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity)
            }
            try db.close()
        }
    }

    func testRemovalWorksForEveryKindAndSurvivesReopen() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        for kind in IndexConfiguration.Kind.allCases {
            let dir = TemporaryDirectory("remove")
            let dbPath = dir.path("db")
            var db = try FaceDatabase.create(at: dbPath, space: space, index: IndexConfiguration(kind: kind, nlist: 4, pqM: 4), options: quiet)
            var vectors: [FaceID: [Float]] = [:]
            for p in 0..<30 {
                try db.addIdentity("p\(p)")
                let faces = (0..<10).map { _ in NewFace(identity: "p\(p)", embedding: vector(&rng)) }
                for (id, f) in zip(try db.addFaces(faces), faces) { vectors[id] = f.embedding }
            }
            let removedFaces = Array(vectors.keys.sorted().prefix(40))
            try db.removeFaces(removedFaces)
            let removedIdentity = try db.removeIdentity("p29")
            XCTAssertEqual(removedIdentity.count, 10)
            for id in removedFaces + removedIdentity {
                let hits = try db.search(vectors[id]!, k: 10)
                XCTAssertFalse(hits.contains { $0.faceID == id }, "kind \(kind): removed face \(id) came back, seed \(rng.seed)")
            }
            XCTAssertTrue(try db.checkIndex().isConsistent, "kind \(kind)")
            XCTAssertEqual(db.faceCount, 300 - 40 - 10)
            try db.close()
            db = try FaceDatabase.open(at: dbPath, options: quiet)
            XCTAssertTrue(try db.checkIndex().isConsistent, "kind \(kind)")
            let survivor = vectors.keys.sorted().last { !removedIdentity.contains($0) }!
            XCTAssertEqual(try db.search(vectors[survivor]!, k: 1).first?.faceID, survivor, "kind \(kind) seed \(rng.seed)")
            try db.close()
        }
    }

    func testReindexChangesKindAndKeepsEveryFace() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: path, space: space, options: quiet)
        var probes: [(FaceID, [Float])] = []
        for p in 0..<50 {
            try db.addIdentity("p\(p)")
            let faces = (0..<20).map { _ in NewFace(identity: "p\(p)", embedding: vector(&rng)) }
            for (id, f) in zip(try db.addFaces(faces), faces) where id.rawValue % 97 == 0 { probes.append((id, f.embedding)) }
        }
        for kind in [IndexConfiguration.Kind.hnsw, .ivf, .ivfpq, .flat] {
            let configuration = IndexConfiguration(kind: kind, nlist: 16, pqM: 8)
            var progressed = 0
            try db.reindex(configuration) { done, total in
                progressed = done; XCTAssertEqual(total, 1000)
            }
            XCTAssertEqual(progressed, 1000)
            let stats = try db.stats()
            XCTAssertEqual(stats.index, configuration)
            XCTAssertEqual(stats.indexedVectors, 1000)
            XCTAssertTrue(try db.checkIndex().isConsistent)
            for (id, v) in probes { XCTAssertEqual(try db.search(v, k: 1).first?.faceID, id, "kind \(kind) seed \(rng.seed)") }
        }
        try db.close()
        let reopened = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(try reopened.stats().index.kind, .flat)
        try reopened.close()
    }

    func testSyncedDurabilityWritesAndReopens() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let synced = DatabaseOptions(durability: .powerLoss, logger: DatabaseOptions.silentLogger)
        var db = try FaceDatabase.create(at: path, space: space, options: synced)
        XCTAssertEqual(try db.stats().durability, .powerLoss)
        let faces = (0..<20).map { _ in NewFace(identity: "ada", embedding: vector(&rng)) }
        let ids = try db.addFaces(faces, createMissingIdentities: true)
        try db.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(try db.faces(of: "ada").map(\.id), ids)
        XCTAssertEqual(try db.stats().durability, .processCrash, "durability is a run-time option, the default is process-crash safety")
        try db.close()
    }

    func testSearchParametersChangeWithoutARebuild() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: path, space: space, index: IndexConfiguration(kind: .hnsw, efSearch: 16), options: quiet)
        let faces = (0..<500).map { i in NewFace(identity: "p\(i % 50)", embedding: vector(&rng)) }
        let ids = try db.addFaces(faces, createMissingIdentities: true)
        var rebuilt = false
        let wider = IndexConfiguration(kind: .hnsw, efSearch: 200)
        try db.reindex(wider) { _, _ in rebuilt = true }
        XCTAssertFalse(rebuilt, "efSearch alone must not rebuild the graph")
        XCTAssertEqual(try db.stats().index, wider)
        XCTAssertTrue(try db.checkIndex().isConsistent)
        for (id, face) in zip(ids, faces).prefix(20) { XCTAssertEqual(try db.search(face.embedding, k: 1).first?.faceID, id, "seed \(rng.seed)") }
        try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 16, efSearch: 200)) { _, _ in rebuilt = true }
        XCTAssertTrue(rebuilt, "another M needs a rebuild")
        try db.close()
        let reopened = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(try reopened.stats().index.hnswM, 16)
        try reopened.close()
    }

    func testSearchResultsFollowOwnershipChangesOfAFaceID() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var db = try FaceDatabase.create(at: path, space: space, index: IndexConfiguration(kind: .hnsw), options: quiet)
        let v = vector(&rng)
        try db.addFaces((0..<50).map { _ in NewFace(identity: "crowd", embedding: vector(&rng)) }, createMissingIdentities: true)
        try db.addFaces([NewFace(identity: "a", embedding: v, id: FaceID(5000))], createMissingIdentities: true)
        XCTAssertEqual(try db.search(v, k: 1).first?.identity, "a")
        try db.addFaces([NewFace(identity: "b", embedding: v, id: FaceID(5000))], createMissingIdentities: true, existing: .replace)
        XCTAssertEqual(try db.search(v, k: 1).first?.identity, "b", "a replaced face answers with its new owner")
        try db.removeFaces([FaceID(5000)])
        XCTAssertNotEqual(try db.search(v, k: 1).first?.faceID, FaceID(5000))
        try db.addFaces([NewFace(identity: "c", embedding: v, id: FaceID(5000))], createMissingIdentities: true)
        XCTAssertEqual(try db.search(v, k: 1).first?.identity, "c")
        try db.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(try db.search(v, k: 1).first?.identity, "c")
        XCTAssertEqual(try db.identify(v, options: IdentificationOptions(k: 2, threshold: 0.01)).identity, "c")
        try db.close()
    }

    func testIdentityMetadataUpdatesAndClosestFace() throws {
        let db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 2, metric: .l2), options: quiet)
        try db.addIdentity("ada", displayName: "Ada", metadata: .object(["team": .string("a")]), galleries: ["g1"])
        try db.updateIdentity("ada", displayName: .some(nil), metadata: .object(["team": .string("b")]), galleries: ["g2"])
        let ada = try XCTUnwrap(try db.identity("ada"))
        XCTAssertNil(ada.displayName)
        XCTAssertEqual(ada.metadata, .object(["team": .string("b")]))
        XCTAssertEqual(ada.galleries, ["g2"])
        XCTAssertGreaterThanOrEqual(ada.updated, ada.created)
        try db.addFaces([NewFace(identity: "ada", embedding: [0, 0]), NewFace(identity: "ada", embedding: [3, 4])])
        XCTAssertEqual(try db.closestFace(to: [3, 3], in: "ada")?.score ?? -1, 1, accuracy: 1e-6)
        XCTAssertThrowsError(try db.search([0, 0], k: 1, filter: SearchFilter(galleries: ["g1"])), "g1 has no identity left")
        XCTAssertEqual(try db.search([0, 0], k: 1, filter: SearchFilter(galleries: ["g2"])).first?.identity, "ada")
        XCTAssertEqual(try db.identities(prefix: "a").map(\.id), ["ada"])
        try db.close()
    }
}
