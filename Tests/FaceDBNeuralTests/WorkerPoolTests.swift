import Foundation
import XCTest

@testable import FaceDBNeural

/// The helper threads run every part exactly once, also when several callers share them.
final class WorkerPoolTests: XCTestCase {
    func testEveryPartRunsOnceWithConcurrentCallers() {
        let pool = WorkerPool(helpers: 2)
        defer { pool.shutdown() }
        let counts = Counts(callers: 6, parts: 5)
        DispatchQueue.concurrentPerform(iterations: 6) { caller in
            for _ in 0..<50 {
                pool.run(5) { part in counts.add(caller, part) }
            }
        }
        for caller in 0..<6 {
            for part in 0..<5 { XCTAssertEqual(counts.get(caller, part), 50, "caller \(caller) part \(part)") }
        }
    }

    func testOnePartRunsOnTheCallersThread() {
        let pool = WorkerPool(helpers: 1)
        defer { pool.shutdown() }
        let caller = pthread_self()
        let ran = Counts(callers: 1, parts: 1)
        pool.run(1) { _ in if pthread_equal(pthread_self(), caller) != 0 { ran.add(0, 0) } }
        XCTAssertEqual(ran.get(0, 0), 1)
    }
}

private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Int]]
    init(callers: Int, parts: Int) { values = Array(repeating: Array(repeating: 0, count: parts), count: callers) }
    func add(_ caller: Int, _ part: Int) { lock.lock(); values[caller][part] += 1; lock.unlock() }
    func get(_ caller: Int, _ part: Int) -> Int { lock.lock(); defer { lock.unlock() }; return values[caller][part] }
}
