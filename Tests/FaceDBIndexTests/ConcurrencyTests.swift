import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import Foundation
import XCTest

/// Searches run alongside writes without crashing or seeing half-done changes.
final class ConcurrencyTests: XCTestCase {
    /// Failures seen on worker threads, reported on the test's thread.
    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }

    func testSearchesRunAlongsideAddsAndRemovals() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 1_600, queries: 20, dimension: 16, seed: seed)
        for configuration in [IndexConfiguration(kind: .hnsw, hnswM: 8), IndexConfiguration(kind: .ivf, nlist: 8)] {
            let index = try VectorIndex(configuration: configuration, dimension: 16, metric: .l2)
            try index.add(ids: Array(data.ids.prefix(1_000)), vectors: Array(data.vectors.prefix(1_000 * 16)))
            let known = Set(data.ids)
            let failures = Failures()

            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                do {
                    switch worker {
                    case 0:  // adds 600 in batches
                        for start in stride(from: 1_000, to: 1_600, by: 50) {
                            try index.add(
                                ids: Array(data.ids[start..<start + 50]),
                                vectors: Array(data.vectors[start * 16..<(start + 50) * 16]))
                        }
                    case 1:  // removes 300 in batches
                        for start in stride(from: 0, to: 300, by: 30) {
                            try index.remove(ids: Array(data.ids[start..<start + 30]))
                        }
                    default:  // searches
                        for round in 0..<60 {
                            let allowed = round % 3 == 0 ? Array(data.ids.prefix(800)) : nil
                            for row in try index.search(data.queries, k: 10, allowed: allowed) {
                                if row.count != 10 || !row.allSatisfy({ known.contains($0.id) }) {
                                    failures.add("bad row \(row)")
                                }
                            }
                            _ = index.count
                            _ = index.stateDescription
                        }
                    }
                } catch {
                    failures.add("worker \(worker): \(error)")
                }
            }
            XCTAssertEqual(failures.all, [], "\(configuration); seed \(seed)")
            XCTAssertEqual(index.count, 1_300, "\(configuration); seed \(seed)")
            XCTAssertEqual(try index.allIDs(), Array(data.ids[300...]).sorted(), "\(configuration); seed \(seed)")
        }
    }
}
