@testable import FaceDBStorage
import FaceDBCore
import FaceDBTestSupport
import XCTest

/// Prepared faces hold their `faces` rows back to back, one buffer per half prepared at once; each
/// row must decode to exactly the face it was made from.
final class PreparedFacesTests: XCTestCase {
    func testEveryPreparedRowDecodesToItsFace() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        // Normalized on insert, so rows must hold the vectors as stored, not as given.
        let space = EmbeddingSpace(model: "test", dimension: 5, metric: .cosine, normalize: true)
        let names = ["a", "person-17", "Zoë", "名前", String(repeating: "x", count: 200)]
        // Over the threshold, with faces that have no details, metadata only, a source only, or both.
        let count = PreparedFaces.parallelThreshold + 333
        let faces = (0..<count).map { i -> NewFace in
            let kind = Int(rng.next() % 4)
            let source = kind & 1 == 1 ? FaceSource(path: "photos/\(i).jpg", box: [Double(i), 2, 30, 40]) : nil
            let metadata: JSONValue? = kind & 2 == 2 ? .object(["n": .number(Double(i)), "tag": .string("é\(i)")]) : nil
            return NewFace(identity: names[Int(rng.next() % UInt64(names.count))],
                           embedding: (0..<5).map { _ in rng.nextGaussian() * 3 }, source: source, metadata: metadata)
        }
        let createdMs: Int64 = 1_790_000_000_123
        let prepared = try PreparedFaces(faces, space: space, createdMs: createdMs)
        XCTAssertEqual(prepared.count, count)
        for (i, face) in faces.enumerated() {
            let record = try prepared.withValue(i) { try FaceRecord(decoding: $0, dimension: space.dimension) }
            let stored = try space.prepare(face.embedding)
            XCTAssertEqual(record.identity, face.identity, "face \(i), seed \(seed)")
            XCTAssertEqual(record.createdMs, createdMs, "face \(i), seed \(seed)")
            XCTAssertEqual(record.vector, stored, "face \(i), seed \(seed)")
            XCTAssertEqual(Array(prepared.vectors[(i * 5)..<((i + 1) * 5)]), stored, "face \(i), seed \(seed)")
            let expected = face.source == nil && face.metadata == nil ? nil : FaceDetails(source: face.source, metadata: face.metadata)
            XCTAssertEqual(record.details, expected, "face \(i), seed \(seed)")
        }
    }
}
