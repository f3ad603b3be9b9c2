import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBStorage

/// Face ids at the edges of their range (issue 17 item 2): before, an id of `Int64.max` wrapped
/// `next_face_id` and the next open deleted the write's faces, and an id of `Int64.max − 1` made
/// every later write without an id trap. The oracle: what was acknowledged reads back after reopening.
final class FaceIDRangeTests: XCTestCase {
    let space = EmbeddingSpace(model: "test", dimension: 4, metric: .l2)
    var directory: TemporaryDirectory!

    override func setUp() { directory = TemporaryDirectory("ids") }
    override func tearDown() { directory = nil }

    func vector(_ x: Float) -> [Float] { [x, 1, 2, 3] }

    func testChosenIDsAtTheEdgesAreStoredAndSurviveReopen() throws {
        let path = directory.path("store")
        var store = try FaceStore.create(at: path, space: space, index: .flat)
        try store.addIdentity("a")
        let edges: [Int64] = [0, FaceID.maximumChosen - 1, FaceID.maximumChosen]
        let added = try store.addFaces(edges.map { NewFace(identity: "a", embedding: vector(Float($0 % 7)), id: FaceID($0)) })
        XCTAssertEqual(added.ids.map(\.rawValue), edges)
        // Ids assigned afterwards continue above the largest chosen one and never fail.
        let next = try store.addFaces([NewFace(identity: "a", embedding: vector(9)), NewFace(identity: "a", embedding: vector(10))])
        XCTAssertEqual(next.ids.map(\.rawValue), [FaceID.maximumChosen + 1, FaceID.maximumChosen + 2])
        store.close()
        store = try FaceStore.open(at: path)
        defer { store.close() }
        XCTAssertEqual(try store.allFaceIDs().map(\.rawValue), edges + [FaceID.maximumChosen + 1, FaceID.maximumChosen + 2])
        XCTAssertEqual(store.faceCount, 5)
        XCTAssertEqual(try store.addFaces([NewFace(identity: "a", embedding: vector(11))]).ids.map(\.rawValue), [FaceID.maximumChosen + 3])
    }

    func testABulkLoadEndingAtTheLargestChosenIDSurvivesReopen() throws {
        let path = directory.path("store")
        var store = try FaceStore.create(at: path, space: space, index: .flat)
        try store.addIdentity("a")
        let count = FaceStore.bulkLoadThreshold
        let first = FaceID.maximumChosen - Int64(count) + 1
        let faces = (0..<count).map { NewFace(identity: "a", embedding: vector(Float($0)), id: FaceID(first + Int64($0))) }
        XCTAssertEqual(try store.addFaces(faces).ids.count, count)
        store.close()
        store = try FaceStore.open(at: path)
        defer { store.close() }
        XCTAssertEqual(store.faceCount, count)
        XCTAssertEqual(try store.allFaceIDs().count, count)
        XCTAssertEqual(try store.addFaces([NewFace(identity: "a", embedding: vector(1))]).ids.map(\.rawValue), [FaceID.maximumChosen + 1])
    }

    func testIDsBeyondTheRangeAreRefusedAndNothingIsStored() throws {
        let store = try FaceStore.create(at: directory.path("store"), space: space, index: .flat)
        defer { store.close() }
        try store.addIdentity("a")
        _ = try store.addFaces([NewFace(identity: "a", embedding: vector(1))])
        for bad: Int64 in [-1, FaceID.maximumChosen + 1, .max - 1, .max] {
            let faces = [NewFace(identity: "a", embedding: vector(2)), NewFace(identity: "a", embedding: vector(3), id: FaceID(bad))]
            XCTAssertThrowsError(try store.addFaces(faces), "id \(bad)") { error in
                let e = error as? FaceDBError
                XCTAssertEqual(e?.code, .invalidArgument)
                XCTAssertEqual(e?.faceID, FaceID(bad))
                XCTAssertTrue(e?.message.contains("\(FaceID.maximumChosen)") ?? false, "\(error)")
            }
        }
        XCTAssertEqual(store.faceCount, 1)
        XCTAssertEqual(try store.allFaceIDs(), [FaceID(0)])
        XCTAssertEqual(try store.addFaces([NewFace(identity: "a", embedding: vector(4))]).ids, [FaceID(1)])
    }

    func testAssigningStopsWithAnErrorBeforeTheCounterCouldOverflow() throws {
        XCTAssertNoThrow(try FaceStore.checkIDsLeft(next: .max - 2, needed: 2))
        XCTAssertNoThrow(try FaceStore.checkIDsLeft(next: .max, needed: 0))
        for (next, needed) in [(Int64.max - 2, 3), (.max, 1), (.max - 1, 2), (1, Int.max)] {
            XCTAssertThrowsError(try FaceStore.checkIDsLeft(next: next, needed: needed)) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .invalidArgument)
            }
        }
    }
}
