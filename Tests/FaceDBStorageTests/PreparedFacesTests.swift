import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBStorage

/// Prepared faces encode each `faces` row from their vectors as it is written; each row must decode
/// to exactly the face it was made from, also when the faces were added to a builder in parts.
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
            return NewFace(
                identity: names[Int(rng.next() % UInt64(names.count))],
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

    func testBuilderInPartsPreparesWhatOneInitDoes() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let space = EmbeddingSpace(model: "test", dimension: 4, metric: .cosine, normalize: true)
        let faces = (0..<(PreparedFaces.parallelThreshold + 1_000)).map { i -> NewFace in
            NewFace(
                identity: "p\(rng.next() % 50)", embedding: (0..<4).map { _ in rng.nextGaussian() },
                metadata: i % 7 == 0 ? .object(["i": .number(Double(i))]) : nil)
        }
        let createdMs: Int64 = 1_790_000_000_000
        let whole = try PreparedFaces(faces, space: space, createdMs: createdMs)
        var builder = PreparedFaces.Builder(space: space, capacity: 10, createdMs: createdMs)
        // Parts below and above the parallel threshold.
        for bounds in [0..<3, 3..<4_200, 4_200..<faces.count] { try builder.append(Array(faces[bounds])) }
        // A bad face refuses its part, named by its position among all faces, and changes nothing.
        var bad = faces[5]
        bad.embedding = [1, .nan, 0, 0]
        XCTAssertThrowsError(try builder.append([faces[0], bad])) { error in
            XCTAssertTrue("\(error)".contains("#\(faces.count + 1)"), "\(error); seed \(seed)")
        }
        let parts = builder.finish()
        XCTAssertEqual(parts.count, faces.count)
        XCTAssertEqual(parts.vectors, whole.vectors, "seed \(seed)")
        XCTAssertEqual(parts.byIdentity, whole.byIdentity, "seed \(seed)")
        XCTAssertEqual(parts.encodedBytes, whole.encodedBytes, "seed \(seed)")
        for i in faces.indices {
            let a = parts.withValue(i) { Array($0) }, b = whole.withValue(i) { Array($0) }
            XCTAssertEqual(a, b, "face \(i), seed \(seed)")
        }
    }
}
