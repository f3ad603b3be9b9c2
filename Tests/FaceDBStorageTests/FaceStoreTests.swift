import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBStorage

final class FaceStoreTests: XCTestCase {
    let space = EmbeddingSpace(model: "test", dimension: 8, metric: .l2)
    var directory: TemporaryDirectory!
    var store: FaceStore!

    override func setUpWithError() throws {
        directory = TemporaryDirectory("store")
        store = try FaceStore.create(at: directory.path("store"), space: space, index: .flat)
    }

    override func tearDown() {
        store?.close()
        store = nil
        directory = nil
    }

    func vector(_ x: Float) -> [Float] { (0..<8).map { Float($0) + x } }

    /// Everything observable about the store, to compare before and after a refused write.
    func contents() throws -> String {
        var text = "seq \(store.sequence) ids \(store.identityCount) faces \(store.faceCount)\n"
        for identity in try store.identities() {
            text += "\(identity.id) \(identity.metadata) \(identity.galleries) \(try store.faceIDs(of: identity.id))\n"
        }
        try store.forEachVector { ids, vectors in text += "\(ids) \(vectors)\n" }
        return text
    }

    func testAddReadRemoveAndCounters() throws {
        try store.addIdentity("ada", displayName: "Ada", metadata: .object(["team": .string("x")]), galleries: ["staff"])
        let added = try store.addFaces([NewFace(identity: "ada", embedding: vector(0)), NewFace(identity: "ada", embedding: vector(1))])
        XCTAssertEqual(added.ids, [FaceID(0), FaceID(1)])
        XCTAssertEqual(store.faceCount, 2)
        XCTAssertEqual(store.identityCount, 1)
        XCTAssertEqual(try store.identity("ada")?.faceCount, 2)
        XCTAssertEqual(try store.identity("ada")?.displayName, "Ada")
        XCTAssertEqual(try store.face(FaceID(1))?.embedding, vector(1))
        XCTAssertEqual(try store.members(ofGalleries: ["staff"]), ["ada"])
        try store.removeFaces([FaceID(0)])
        XCTAssertEqual(try store.faceIDs(of: "ada"), [FaceID(1)])
        XCTAssertNil(try store.face(FaceID(0)))
        let removed = try store.removeIdentity("ada")
        XCTAssertEqual(removed.faces, [FaceID(1)])
        XCTAssertEqual(store.faceCount, 0)
        XCTAssertEqual(store.identityCount, 0)
        XCTAssertEqual(try store.members(ofGalleries: ["staff"]), [])
        // Face ids are never reused.
        try store.addIdentity("bob")
        XCTAssertEqual(try store.addFaces([NewFace(identity: "bob", embedding: vector(2))]).ids, [FaceID(2)])
    }

    func testChangeLogRecordsIndexChangesInOrderAndTruncates() throws {
        try store.addIdentity("a")
        let s1 = try store.addFaces([NewFace(identity: "a", embedding: vector(0)), NewFace(identity: "a", embedding: vector(1))]).sequence
        let s2 = try store.removeFaces([FaceID(0)])
        let changes = try XCTUnwrap(try store.changes(after: 0))
        XCTAssertEqual(changes.map(\.sequence), [s1, s2])
        XCTAssertEqual(changes.map(\.change), [IndexChange(added: [0, 1]), IndexChange(removed: [0])])
        try store.truncateChangeLog(through: s1)
        XCTAssertNil(try store.changes(after: 0), "the log no longer reaches back to 0")
        XCTAssertEqual(try store.changes(after: s1)?.map(\.sequence), [s2])
    }

    func testRefusedWritesLeaveTheStoreUnchanged() throws {
        try store.addIdentity("ada")
        _ = try store.addFaces([NewFace(identity: "ada", embedding: vector(0), id: FaceID(7))])
        let before = try contents()
        func expect(_ code: FaceDBError.Code, _ body: () throws -> Void, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual(($0 as? FaceDBError)?.code, code, "\($0)", line: line) }
        }
        expect(.dimensionMismatch) { _ = try store.addFaces([NewFace(identity: "ada", embedding: [1, 2, 3])]) }
        expect(.invalidVector) {
            _ = try store.addFaces([
                NewFace(identity: "ada", embedding: vector(0)), NewFace(identity: "ada", embedding: [.nan] + vector(0).dropFirst()),
            ])
        }
        expect(.invalidVector) { _ = try store.addFaces([NewFace(identity: "ada", embedding: [.infinity] + vector(0).dropFirst())]) }
        expect(.invalidArgument) { _ = try store.addFaces([NewFace(identity: "", embedding: vector(0))]) }
        expect(.unknownIdentity) {
            _ = try store.addFaces([NewFace(identity: "ada", embedding: vector(1)), NewFace(identity: "nobody", embedding: vector(0))])
        }
        expect(.alreadyExists) { _ = try store.addFaces([NewFace(identity: "ada", embedding: vector(1), id: FaceID(7))]) }
        expect(.invalidArgument) { _ = try store.addFaces([NewFace(identity: "ada", embedding: vector(1), id: FaceID(-1))]) }
        expect(.invalidArgument) {
            _ = try store.addFaces([
                NewFace(identity: "ada", embedding: vector(1), id: FaceID(9)), NewFace(identity: "ada", embedding: vector(1), id: FaceID(9)),
            ])
        }
        expect(.alreadyExists) { try store.addIdentity("ada") }
        expect(.invalidArgument) { try store.addIdentity("") }
        expect(.invalidArgument) { try store.addIdentity(String(repeating: "x", count: 513)) }
        expect(.invalidArgument) { try store.addIdentity("a\0b") }
        expect(.invalidArgument) { try store.addIdentity("zed", metadata: .array([])) }
        expect(.unknownIdentity) { try store.removeIdentity("nobody") }
        expect(.unknownIdentity) { try store.updateIdentity("nobody", metadata: .emptyObject) }
        expect(.unknownFace) { try store.removeFaces([FaceID(7), FaceID(12345)]) }
        XCTAssertEqual(try contents(), before)
    }

    func testKnownIdentityCacheNeverAdmitsMissingIdentities() throws {
        XCTAssertThrowsError(try store.addFaces([NewFace(identity: "ghost", embedding: vector(0))]))
        XCTAssertThrowsError(try store.addFaces([NewFace(identity: "ghost", embedding: vector(0))]), "a failed write must not teach the cache")
        try store.addIdentity("ada")
        _ = try store.addFaces([NewFace(identity: "ada", embedding: vector(0))])
        try store.removeIdentity("ada")
        XCTAssertThrowsError(try store.addFaces([NewFace(identity: "ada", embedding: vector(1))])) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity)
        }
        XCTAssertEqual(store.faceCount, 0)
    }

    func testExistingFacePolicies() throws {
        try store.addIdentity("a")
        try store.addIdentity("b")
        _ = try store.addFaces([NewFace(identity: "a", embedding: vector(0), id: FaceID(5))])
        let skipped = try store.addFaces(
            [NewFace(identity: "b", embedding: vector(9), id: FaceID(5)), NewFace(identity: "b", embedding: vector(3), id: FaceID(6))],
            existing: .skip)
        XCTAssertEqual(skipped.ids, [FaceID(6)])
        XCTAssertEqual(skipped.skipped, 1)
        XCTAssertEqual(try store.face(FaceID(5))?.identity, "a")
        let replaced = try store.addFaces([NewFace(identity: "b", embedding: vector(9), id: FaceID(5))], existing: .replace)
        XCTAssertEqual(replaced.replaced, [FaceID(5)])
        XCTAssertEqual(try store.face(FaceID(5))?.identity, "b")
        XCTAssertEqual(try store.face(FaceID(5))?.embedding, vector(9))
        XCTAssertEqual(try store.faceIDs(of: "a"), [])
        XCTAssertEqual(try store.faceIDs(of: "b"), [FaceID(5), FaceID(6)])
        XCTAssertEqual(store.faceCount, 2)
        XCTAssertEqual(try store.changes(after: 0)?.last?.change, IndexChange(removed: [5], added: [5]))
    }

    func testCosineSpaceNormalizesAndRejectsZeroVectors() throws {
        store.close()
        store = try FaceStore.create(at: directory.path("cos"), space: EmbeddingSpace(model: "m", dimension: 3, metric: .cosine), index: .flat)
        try store.addIdentity("a")
        let added = try store.addFaces([NewFace(identity: "a", embedding: [3, 0, 4])])
        XCTAssertEqual(added.vectors, [0.6, 0, 0.8])
        XCTAssertThrowsError(try store.addFaces([NewFace(identity: "a", embedding: [0, 0, 0])])) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidVector)
        }
    }

    func testReopenKeepsEverythingAndNewerFormatsAreRefused() throws {
        try store.addIdentity("a", galleries: ["g"])
        _ = try store.addFaces([NewFace(identity: "a", embedding: vector(0))])
        let path = store.path
        store.close()
        store = try FaceStore.open(at: path)
        XCTAssertEqual(store.space, space)
        XCTAssertEqual(store.faceCount, 1)
        XCTAssertEqual(try store.face(FaceID(0))?.embedding, vector(0))
        // Pretend a newer FaceDB wrote the store.
        let batch = store.db.makeBatch()
        batch.put(.meta, Keyspace.formatVersionKey, Keyspace.bigEndian(Keyspace.formatVersion + 1))
        try store.db.write(batch, sync: true)
        store.close()
        XCTAssertThrowsError(try FaceStore.open(at: path)) { XCTAssertEqual(($0 as? FaceDBError)?.code, .unsupportedFormat) }
        store = nil
    }

    /// A store made before the vector digest and the store id were recorded gets both on its first
    /// open for writing. (The digest's scan once ran under the write lock it reads the counters
    /// through, so that open hung.)
    func testOpenAdoptsAMissingDigestAndStoreID() throws {
        try store.addIdentity("a")
        _ = try store.addFaces([NewFace(identity: "a", embedding: vector(0)), NewFace(identity: "a", embedding: vector(2))])
        let digest = store.vectorsDigest
        let path = store.path
        let batch = store.db.makeBatch()
        batch.delete(.meta, Keyspace.vectorsDigestKey)
        batch.delete(.meta, Keyspace.storeIDKey)
        try store.db.write(batch, sync: true)
        store.close()
        store = try FaceStore.open(at: path)
        XCTAssertEqual(store.vectorsDigest, digest)
        XCTAssertNotEqual(store.storeID, [UInt8](repeating: 0, count: 16))
        let storeID = store.storeID
        store.close()
        store = try FaceStore.open(at: path)
        XCTAssertEqual(store.vectorsDigest, digest)
        XCTAssertEqual(store.storeID, storeID)
    }

    func testOpeningANonStoreIsRefused() throws {
        XCTAssertThrowsError(try FaceStore.open(at: directory.path("nothing"))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .notADatabase)
        }
        XCTAssertThrowsError(try FaceStore.create(at: store.path, space: space, index: .flat)) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .databaseExists)
        }
    }
}
