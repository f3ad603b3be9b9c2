import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDB

/// ``FaceOwners`` (an array for the store's dense ids, a dictionary for ids far beyond) against a
/// plain dictionary, under random sets, removals and background-style fills.
final class FaceOwnersTests: XCTestCase {
    func testOwnersMatchADictionary() {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let owners = FaceOwners()
        var model: [Int64: String] = [:]
        var next: Int64 = 0
        for round in 0..<400 {
            var ids: [Int64] = []
            switch rng.next() % 4 {
            case 0, 1:
                // The store's own ids: the next ones in order.
                ids = (0..<Int64(1 + rng.next() % 300)).map { next + $0 }
                next += Int64(ids.count)
            case 2:
                // Caller-chosen ids: some near, some far beyond, some reused.
                ids = (0..<(1 + rng.next() % 20)).map { _ in
                    switch rng.next() % 3 {
                    case 0: return Int64(rng.next() % UInt64(next + 1))
                    case 1: return next + Int64(rng.next() % 5_000)
                    default: return Int64(rng.next() >> 2)
                    }
                }
            default:
                let removed = (0..<(1 + rng.next() % 50)).map { _ in Int64(rng.next() % UInt64(next + 10)) } + Array(model.keys.prefix(3))
                owners.remove(removed)
                for id in removed { model[id] = nil }
                continue
            }
            let names = ids.map { _ in "p\(rng.next() % 1_000)" + (rng.next() % 4 == 0 ? String(repeating: "x", count: 20) : "") }
            owners.set(ids, names)
            for (id, name) in zip(ids, names) { model[id] = name }
            if round % 25 == 0 {
                let probe = Array(model.keys) + (0..<50).map { _ in Int64(rng.next() % UInt64(next + 100)) } + [-1, .max]
                XCTAssertEqual(owners.lookup(probe), probe.map { model[$0] }, "round \(round); seed \(seed)")
            }
        }
        let all = Array(model.keys) + (0..<Int64(next + 50))
        XCTAssertEqual(owners.lookup(all), all.map { model[$0] }, "seed \(seed)")
    }

    /// The background fill never overwrites an owner a write has set, and fills the rest.
    func testBackgroundFillKeepsWhatWritesSet() {
        let owners = FaceOwners()
        owners.set([0, 5, 1 << 40], ["written", "written", "written"])
        owners.load { each in
            _ = each("scanned", [0, 1, 2, 5, 1 << 40, 1 << 41])
        }
        owners.stopLoading()
        XCTAssertEqual(
            owners.lookup([0, 1, 2, 3, 5, 1 << 40, 1 << 41]),
            ["written", "scanned", "scanned", nil, "written", "written", "scanned"])
    }
}
