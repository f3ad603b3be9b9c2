import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// Renaming identities, searching by a stored face, and filters that name what does not exist.
final class IdentityEditingTests: XCTestCase {
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    func makeDatabase(_ path: String, rng: inout SeededGenerator) throws -> (FaceDatabase, SyntheticEmbeddings) {
        let data = SyntheticEmbeddings(dimension: 16, identities: 40, withinSpread: 0.3, generator: &rng)
        let db = try FaceDatabase.create(at: path, space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), options: quiet)
        for p in 0..<30 { try db.addIdentity("p\(p)", galleries: p < 10 ? ["staff"] : []) }
        try db.addFaces((0..<30).flatMap { p in (0..<4).map { _ in NewFace(identity: "p\(p)", embedding: data.face(of: p, generator: &rng)) } })
        return (db, data)
    }

    /// A rename moves everything in one write and survives a reopen; a taken or unknown id changes nothing.
    func testRenamingAnIdentityMovesItsFacesGalleriesAndMetadata() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("rename")
        var (db, data) = try makeDatabase(dir.path("db"), rng: &rng)
        try db.updateIdentity("p3", displayName: "Pat", metadata: .object(["team": .string("blue")]))
        let faces = try db.faces(of: "p3")
        let moved = try db.renameIdentity("p3", to: "patricia")
        XCTAssertEqual(moved.sorted(), faces.map(\.id).sorted())
        XCTAssertNil(try db.identity("p3"))
        XCTAssertThrowsError(try db.faces(of: "p3")) { XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity) }
        func check(_ db: FaceDatabase, _ when: String) throws {
            let renamed = try XCTUnwrap(try db.identity("patricia"), when)
            XCTAssertEqual(renamed.displayName, "Pat", when)
            XCTAssertEqual(renamed.metadata, .object(["team": .string("blue")]), when)
            XCTAssertEqual(renamed.galleries, ["staff"], when)
            XCTAssertEqual(try db.faces(of: "patricia").map(\.id).sorted(), faces.map(\.id).sorted(), when)
            XCTAssertEqual(
                try db.faces(of: "patricia").map(\.embedding).sorted { $0[0] < $1[0] }, faces.map(\.embedding).sorted { $0[0] < $1[0] }, when)
            let probe = data.face(of: 3, generator: &rng)
            XCTAssertEqual(try db.search(probe, k: 1).first?.identity, "patricia", when)
            XCTAssertEqual(try db.search(probe, k: 1, filter: SearchFilter(galleries: ["staff"])).first?.identity, "patricia", when)
            XCTAssertEqual(db.faceCount, 120, when)
            XCTAssertTrue(try db.checkIndex(full: true).isConsistent, when)
        }
        try check(db, "open")
        try db.close()
        db = try FaceDatabase.open(at: dir.path("db"), options: quiet)
        defer { try? db.close() }
        try check(db, "reopened")

        XCTAssertThrowsError(try db.renameIdentity("p4", to: "patricia")) { XCTAssertEqual(($0 as? FaceDBError)?.code, .alreadyExists) }
        XCTAssertThrowsError(try db.renameIdentity("nobody", to: "x")) { XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity) }
        XCTAssertThrowsError(try db.renameIdentity("p4", to: "")) { XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument) }
        XCTAssertEqual(try db.faces(of: "p4").count, 4, "a refused rename changes nothing")
    }

    /// Searching by a stored face answers as a brute-force scan of the other stored faces does.
    func testSearchingByAStoredFaceMatchesBruteForce() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("search-face")
        let (db, _) = try makeDatabase(dir.path("db"), rng: &rng)
        defer { try? db.close() }
        var all: [Face] = []
        for p in 0..<30 { all += try db.faces(of: "p\(p)") }
        for face in all.shuffled(using: &rng).prefix(10) {
            let others = all.filter { $0.id != face.id }
            let expected = BruteForce.search(
                face.embedding, in: others.flatMap(\.embedding), ids: others.map(\.id.rawValue), dimension: 16, metric: .l2, k: 5
            ).map(\.id)
            let got = try db.search(face: face.id, k: 5)
            XCTAssertEqual(got.map(\.faceID.rawValue), expected, "face \(face.id); seed \(rng.seed)")
            XCTAssertFalse(got.contains { $0.faceID == face.id })
        }
        XCTAssertThrowsError(try db.search(face: FaceID(999_999))) { XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownFace) }
        // A k from a flag or a shell line can be anything: the largest one answers every other face.
        XCTAssertEqual(try db.search(face: all[0].id, k: .max).count, all.count - 1)
    }

    /// A gallery no identity is in, or an identity not stored, is an error naming it (not "unknown" for everyone).
    func testAFilterNamingWhatDoesNotExistIsAnError() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dir = TemporaryDirectory("filters")
        let (db, data) = try makeDatabase(dir.path("db"), rng: &rng)
        defer { try? db.close() }
        let probe = data.face(of: 1, generator: &rng)
        XCTAssertThrowsError(try db.identify(probe, options: IdentificationOptions(filter: SearchFilter(galleries: ["staff", "nosuch"])))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidArgument)
            XCTAssertTrue(($0 as? FaceDBError)?.message.contains("'nosuch'") ?? false, "\($0)")
        }
        XCTAssertThrowsError(try db.search(probe, filter: SearchFilter(identities: ["p1", "ghost"]))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity)
            XCTAssertTrue(($0 as? FaceDBError)?.message.contains("ghost") ?? false, "\($0)")
        }
        XCTAssertEqual(
            try db.identify(probe, options: IdentificationOptions(filter: SearchFilter(galleries: ["staff"]))).matches.first?.identity, "p1")
    }
}
