import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// The index's id bookkeeping (which ids are stored, and where) against a plain dictionary, under a
/// random mix of adds and removes over a small id range, so that ids collide in the shim's hash
/// table, come back after removal and are removed in runs (its deletion shifts entries back).
final class MembershipModelTests: XCTestCase {
    func testMembershipMatchesADictionaryUnderRandomAddsAndRemoves() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let dimension = 8
        for configuration in smallConfigurations() {
            var rng = SeededGenerator(seed: seed)
            let context = "\(configuration); seed \(seed)"
            var index = try VectorIndex(configuration: configuration, dimension: dimension, metric: .l2)
            var model: [Int64: [Float]] = [:]
            for round in 0..<120 {
                if rng.next() % 3 != 0 {
                    // Add up to 60 ids not stored, in random order (the checked path) or ascending
                    // above every stored id (the shim's unchecked fast path).
                    let ascending = rng.next() % 4 == 0
                    var ids: [Int64] = []
                    if ascending {
                        let top = (model.keys.max() ?? -1) + 1
                        ids = (0..<Int64(1 + rng.next() % 60)).map { top + $0 * 3 }
                    } else {
                        var fresh = Set<Int64>()
                        for _ in 0..<(1 + rng.next() % 60) {
                            let id = Int64(rng.next() % 2_000)
                            if model[id] == nil { fresh.insert(id) }
                        }
                        ids = Array(fresh).shuffled(using: &rng)
                    }
                    if ids.isEmpty { continue }
                    let vectors = (0..<ids.count * dimension).map { _ in rng.nextGaussian() }
                    try index.add(ids: ids, vectors: vectors)
                    for (i, id) in ids.enumerated() { model[id] = Array(vectors[(i * dimension)..<((i + 1) * dimension)]) }
                    // A stored id is refused.
                    if let stored = model.keys.randomElement(using: &rng) {
                        assertFaceDBError(.invalidArgument, "re-adding \(stored); \(context)") {
                            try index.add(ids: [stored], vectors: [Float](repeating: 0, count: dimension))
                        }
                    }
                } else {
                    // Remove a run of consecutive ids (stored or not) and a few scattered ones.
                    let start = Int64(rng.next() % 2_000)
                    let ids = Array(start..<(start + Int64(rng.next() % 40))) + (0..<5).map { _ in Int64(rng.next() % 2_000) }
                    let present = Set(ids).filter { model[$0] != nil }
                    XCTAssertEqual(try index.remove(ids: ids), present.count, "round \(round); \(context)")
                    for id in present { model[id] = nil }
                }
                if round % 10 == 9 || round == 119 {
                    if round == 119 {
                        index = try VectorIndex.deserialize(try index.serialized(), configuration: configuration, dimension: dimension, metric: .l2)
                    }
                    try assertMatches(index, model, dimension: dimension, rng: &rng, context: "round \(round); \(context)")
                }
            }
        }
    }

    private func assertMatches(
        _ index: VectorIndex, _ model: [Int64: [Float]], dimension: Int, rng: inout SeededGenerator, context: String
    ) throws {
        XCTAssertEqual(index.count, model.count, context)
        XCTAssertEqual(try index.allIDs(), model.keys.sorted(), context)
        // Every stored id finds its own vector.
        let stored = model.keys.sorted()
        XCTAssertEqual(try index.vectors(for: stored), stored.flatMap { model[$0]! }, context)
        // An id not stored is refused.
        if let absent = (0..<Int64(2_000)).first(where: { model[$0] == nil }) {
            assertFaceDBError(.invalidArgument, "vector of \(absent); \(context)") { try index.vectors(for: [absent]) }
        }
        // A search limited to some ids (stored or not) returns only stored ones among them.
        guard let probe = stored.randomElement(using: &rng) else { return }
        let allowed = (0..<30).map { _ in Int64(rng.next() % 2_000) } + [probe]
        let hits = try index.search(model[probe]!, k: 50, allowed: allowed)[0]
        XCTAssertEqual(Set(hits.map(\.id)), Set(allowed).filter { model[$0] != nil }, context)
        XCTAssertEqual(hits.first?.id, probe, context)
    }
}
