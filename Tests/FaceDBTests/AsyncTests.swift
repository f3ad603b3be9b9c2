import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import Synchronization
import XCTest

/// The async API: the same answers as the blocking calls (the oracle), run on FaceDB's own
/// threads so that Swift's cooperative pool stays free, and stopped by cancellation between
/// batches with what was written kept.
final class AsyncTests: XCTestCase {
    var directory: TemporaryDirectory!
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)
    override func setUp() { directory = TemporaryDirectory("async") }
    override func tearDown() { directory = nil }

    /// A gallery of `faces` random faces of `identities` people, `dimension`-D, L2.
    func gallery(faces: Int, identities: Int, dimension: Int, rng: inout SeededGenerator) throws -> FaceDatabase {
        let db = try FaceDatabase.create(
            at: directory.path("db"), space: EmbeddingSpace(model: "m", dimension: dimension, metric: .l2),
            options: quiet)
        var batch: [NewFace] = []
        for i in 0..<faces {
            batch.append(NewFace(identity: "p\(i % identities)", embedding: (0..<dimension).map { _ in rng.nextGaussian() }))
        }
        try db.addFaces(batch, createMissingIdentities: true)
        return db
    }

    /// A float32 `.npy` written byte by byte (format 1.0), independent of the library's writer.
    func writeNpy(_ rows: [[Float]], dimension: Int, to path: String) throws {
        var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(dimension)), }".utf8)
        while (10 + dict.count + 1) % 64 != 0 { dict.append(0x20) }
        dict.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)] + dict
        for row in rows { for x in row { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func probes(_ count: Int, dimension: Int, rng: inout SeededGenerator) -> [[Float]] {
        (0..<count).map { _ in (0..<dimension).map { _ in rng.nextGaussian() } }
    }

    func testAsyncCallsAnswerAsTheBlockingOnes() async throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try gallery(faces: 2_000, identities: 200, dimension: 16, rng: &rng)
        let queries = probes(50, dimension: 16, rng: &rng)
        let expected = try blocking { try db.identify(batch: queries) }
        let awaited = try await db.identify(batch: queries)
        XCTAssertEqual(awaited.map(\.identity), expected.map(\.identity), "seed \(rng.seed)")
        XCTAssertEqual(awaited.map { $0.matches.map(\.score) }, expected.map { $0.matches.map(\.score) })
        let one = try await db.verify(queries[0], identity: "p7")
        XCTAssertEqual(one.score, try blocking { try db.verify(queries[0], identity: "p7") }.score)
        let ids = try await db.addFaces([NewFace(identity: "new", embedding: queries[1])], createMissingIdentities: true)
        XCTAssertEqual(try db.face(ids[0])?.embedding, queries[1])
        try await db.removeFaces(ids)
        XCTAssertNil(try db.face(ids[0]))
        let stats = try await db.stats()
        XCTAssertEqual(stats.faces, 2_000)
        try await db.close()
        let closedError = await Task { try await db.stats() }.result.failureValue as? FaceDBError
        XCTAssertEqual(closedError?.code, .closed)
    }

    /// Four long searches at once on a 2-core machine: were they run on the cooperative pool (one
    /// thread per core), the test's own task could not resume from a 1 ms sleep until one ended.
    func testLongCallsLeaveTheCooperativePoolFree() async throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try gallery(faces: 40_000, identities: 4_000, dimension: 64, rng: &rng)
        defer { try? db.close() }
        let queries = probes(6_000, dimension: 64, rng: &rng)
        let finished = Counter()
        var ticksBeforeFirstEnd = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    _ = try await db.identify(batch: queries)
                    finished.value.add(1, ordering: .relaxed)
                }
            }
            while finished.value.load(ordering: .relaxed) == 0 {
                try await Task.sleep(for: .milliseconds(1))
                ticksBeforeFirstEnd += 1
            }
            try await group.waitForAll()
        }
        XCTAssertGreaterThanOrEqual(
            ticksBeforeFirstEnd, 8, "the test's task hardly ran while the searches did (2 wake-ups when they ran on the pool)")
    }

    func testAnImportRunsOnFaceDBsThreadsAndStopsWhenCancelledThenResumes() async throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let dimension = 8
        let count = 12_000
        let vectors = probes(count, dimension: dimension, rng: &rng)
        let npy = directory.path("faces.npy")
        let labels = directory.path("labels.txt")
        try writeNpy(vectors, dimension: dimension, to: npy)
        try (0..<count).map { "person-\($0 % 300)" }.joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        let db = try await FaceDatabase.create(
            at: directory.path("db"), space: EmbeddingSpace(model: "m", dimension: dimension, metric: .l2),
            options: quiet)
        defer { try? blocking { try db.close() } }
        let options = ImportOptions(batchSize: 1_000, resumeKey: try EmbeddingFiles.resumeKey(path: npy, labels: labels))
        let canceller = Canceller()
        let onWorkThread = Mutex<[Bool]>([])
        let task = Task {
            try await db.importEmbeddings(from: try EmbeddingFiles.open(path: npy, labels: labels), options: options) { progress in
                onWorkThread.withLock { $0.append(WorkThreads.isWorkThread) }
                if progress.rows >= 3_000 { canceller.cancel() }
            }
        }
        canceller.set(task)
        do {
            _ = try await task.value
            XCTFail("the import was not cancelled")
        } catch let error as FaceDBError {
            XCTAssertEqual(error.code, .cancelled, "\(error)")
        }
        XCTAssertTrue(onWorkThread.withLock { $0.allSatisfy { $0 } && !$0.isEmpty })
        // Stopped between batches: whole batches stored, at least the three before the cancel.
        let stored = db.faceCount
        XCTAssertEqual(stored % 1_000, 0)
        XCTAssertGreaterThanOrEqual(stored, 3_000)
        XCTAssertLessThan(stored, count)
        let check = try await db.checkIndex()
        XCTAssertTrue(check.isConsistent)
        // Running it again picks up where it stopped.
        let summary = try await db.importEmbeddings(from: try EmbeddingFiles.open(path: npy, labels: labels), options: options)
        XCTAssertEqual(summary.resumed, stored)
        XCTAssertEqual(db.faceCount, count)
        for i in stride(from: 0, to: count, by: 1_009) {
            XCTAssertEqual(try db.face(FaceID(Int64(i)))?.embedding, vectors[i], "row \(i)")
        }
    }

    func testACallCancelledBeforeItStartsDoesNothing() async throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try gallery(faces: 100, identities: 10, dimension: 8, rng: &rng)
        defer { try? db.close() }
        let face = NewFace(identity: "late", embedding: probes(1, dimension: 8, rng: &rng)[0])
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await db.addFaces([face], createMissingIdentities: true)
        }.result
        XCTAssertEqual((result.failureValue as? FaceDBError)?.code, .cancelled)
        XCTAssertNil(try db.identity("late"))
        XCTAssertEqual(db.faceCount, 100)
    }

    func testACancelledReindexKeepsTheCurrentIndex() async throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try gallery(faces: 40_000, identities: 400, dimension: 16, rng: &rng)
        defer { try? db.close() }
        let query = probes(1, dimension: 16, rng: &rng)[0]
        let before = try await db.search(query, k: 5)
        let canceller = Canceller()
        let task = Task { try await db.reindex(IndexConfiguration(kind: .hnsw)) { done, _ in if done > 0 { canceller.cancel() } } }
        canceller.set(task)
        let result = await task.result
        XCTAssertEqual((result.failureValue as? FaceDBError)?.code, .cancelled)
        let stats = try await db.stats()
        XCTAssertEqual(stats.index.kind, .flat)
        let after = try await db.search(query, k: 5)
        XCTAssertEqual(after.map(\.faceID), before.map(\.faceID))
        let check = try await db.checkIndex()
        XCTAssertTrue(check.isConsistent)
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Cancels a task from a callback that may run before the task's handle is known.
private final class Canceller: Sendable {
    private let state = Mutex<(cancel: (@Sendable () -> Void)?, requested: Bool)>((nil, false))

    func set<T>(_ task: Task<T, any Error>) {
        let requested = state.withLock {
            $0.cancel = { task.cancel() }
            return $0.requested
        }
        if requested { task.cancel() }
    }

    func cancel() {
        let action = state.withLock {
            $0.requested = true
            return $0.cancel
        }
        action?()
    }
}

/// Runs `body` where Swift picks FaceDB's blocking calls, not their async overloads: the oracle.
private func blocking<T>(_ body: () throws -> T) rethrows -> T { try body() }

extension Result {
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
