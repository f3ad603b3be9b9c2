import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// Every face stored in an HNSW graph can be found. Neighbour pruning can leave a node (or a group
/// of outliers) that no link leads to; the index links such nodes after large adds, compaction and
/// loading. The oracle is behavioural: with efSearch above the node count, a search walks every
/// node it can reach, so each stored vector must come back first for its own query.
final class ReachabilityTests: XCTestCase {
    func testEveryStoredVectorCanBeFoundByItsOwnVector() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let dimension = 16, count = 1_200
        // Few links per node (M = 4) and tight clusters make unreachable nodes common without the repair.
        let data = Dataset.clustered(count: count, queries: 1, dimension: dimension, identities: count / 10, seed: seed)
        let configuration = IndexConfiguration(kind: .hnsw, hnswM: 4, efConstruction: 16, efSearch: 1_536)
        var index = try VectorIndex(configuration: configuration, dimension: dimension, metric: .l2)
        for start in stride(from: 0, to: count, by: 200) {
            try index.add(
                ids: Array(data.ids[start..<(start + 200)]),
                vectors: Array(data.vectors[(start * dimension)..<((start + 200) * dimension)]))
            XCTAssertEqual(index.unreachableCount, 0, "after adding \(start + 200); seed \(seed)")
        }
        try assertSelfSearchFindsEveryVector(index, ids: data.ids, vectors: data.vectors, context: "built; seed \(seed)")

        // Remove a third (tombstones), compact (a rebuilt graph), reload: still all found.
        var rng = SeededGenerator(seed: seed)
        let removed = Set(data.ids.filter { _ in rng.next() % 3 == 0 })
        try index.remove(ids: Array(removed))
        try index.compact()
        let kept = data.subset(Set(data.ids).subtracting(removed))
        XCTAssertEqual(index.unreachableCount, 0, "compacted; seed \(seed)")
        try assertSelfSearchFindsEveryVector(index, ids: kept.ids, vectors: kept.vectors, context: "compacted; seed \(seed)")
        index = try VectorIndex.deserialize(try index.serialized(), configuration: configuration, dimension: dimension, metric: .l2)
        XCTAssertEqual(index.unreachableCount, 0, "reloaded; seed \(seed)")
        try assertSelfSearchFindsEveryVector(index, ids: kept.ids, vectors: kept.vectors, context: "reloaded; seed \(seed)")
    }

    private func assertSelfSearchFindsEveryVector(_ index: VectorIndex, ids: [Int64], vectors: [Float], context: String) throws {
        let results = try index.search(vectors, k: 1)
        let lost = zip(ids, results).filter { $0.1.first?.id != $0.0 }.map(\.0)
        XCTAssertEqual(lost, [], "faces no search returns (\(lost.count) of \(ids.count)); \(context)")
    }
}
