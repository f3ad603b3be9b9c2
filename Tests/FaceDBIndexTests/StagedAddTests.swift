import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// ``VectorIndex/stage(vectors:)``: staged vectors are invisible until the add of the same vectors
/// publishes them, and any other change discards them. The oracle is an index built without staging.
final class StagedAddTests: XCTestCase {
    func testStagedVectorsAreInvisibleUntilTheirAddAndDiscardedByAnythingElse() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 700, queries: 20, dimension: 16, seed: seed)
        let context = "seed \(seed)"
        let flat = IndexConfiguration(kind: .flat)
        let staged = try VectorIndex(configuration: flat, dimension: 16, metric: .l2)
        let plain = try VectorIndex(configuration: flat, dimension: 16, metric: .l2)
        let batches = stride(from: 0, to: 700, by: 100).map { start in
            (Array(data.ids[start..<(start + 100)]), Array(data.vectors[(start * 16)..<((start + 100) * 16)]))
        }
        func assertSame(_ what: String) throws {
            XCTAssertEqual(staged.count, plain.count, "\(what); \(context)")
            XCTAssertEqual(try staged.search(data.queries, k: 10), try plain.search(data.queries, k: 10), "\(what); \(context)")
            XCTAssertEqual(try staged.serialized(), try plain.serialized(), "\(what); \(context)")
        }

        // Staged then added: the same index as a plain add.
        try staged.stage(vectors: batches[0].1)
        try assertSame("staged, not added")
        try staged.add(ids: batches[0].0, vectors: batches[0].1)
        try plain.add(ids: batches[0].0, vectors: batches[0].1)
        try assertSame("staged and added")

        // Staged, then other vectors added: those are added, not the staged ones.
        try staged.stage(vectors: batches[1].1)
        try staged.add(ids: batches[2].0, vectors: batches[2].1)
        try plain.add(ids: batches[2].0, vectors: batches[2].1)
        try assertSame("other vectors added")
        // The discarded staging is not published by a later add of its vectors with no new staging.
        try staged.add(ids: batches[1].0, vectors: batches[1].1)
        try plain.add(ids: batches[1].0, vectors: batches[1].1)
        try assertSame("formerly staged vectors added")

        // Staged, then a removal: discarded.
        try staged.stage(vectors: batches[3].1)
        XCTAssertEqual(try staged.remove(ids: Array(batches[0].0.prefix(30))), 30, context)
        XCTAssertEqual(try plain.remove(ids: Array(batches[0].0.prefix(30))), 30, context)
        try assertSame("removal after staging")
        try staged.add(ids: batches[3].0, vectors: batches[3].1)
        try plain.add(ids: batches[3].0, vectors: batches[3].1)
        try assertSame("added after the removal")

        // Staged, the add refused (a stored id): nothing published; a later good add still works.
        try staged.stage(vectors: batches[4].1)
        var clashing = batches[4].0
        clashing[7] = batches[3].0[0]
        XCTAssertThrowsError(try staged.add(ids: clashing, vectors: batches[4].1), context)
        try assertSame("refused add")
        for batch in batches[4...] {
            try staged.stage(vectors: batch.1)
            try staged.add(ids: batch.0, vectors: batch.1)
            try plain.add(ids: batch.0, vectors: batch.1)
        }
        try assertSame("all added")
        // Every stored vector reads back as added.
        XCTAssertEqual(try staged.vectors(for: batches[6].0), batches[6].1, context)
    }
}
