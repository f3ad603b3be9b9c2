import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDB

/// When background index snapshots start (``SnapshotState``): once enough faces changed, after
/// writes pause; at twice the threshold even without a pause; never after shutdown.
final class SnapshotScheduleTests: XCTestCase {
    func testADueSnapshotWaitsForWritesToPause() {
        let state = SnapshotState()
        XCTAssertEqual(state.noteChanged(60, threshold: 100, now: 10), .none, "below the threshold")
        XCTAssertEqual(state.noteChanged(60, threshold: 100, now: 11), .waitForQuiet, "due: wait for a pause")
        XCTAssertEqual(state.noteChanged(10, threshold: 100, now: 11.1), .none, "already waiting")
        guard case .wait(let seconds) = state.startIfQuiet(quietPeriod: 0.25, now: 11.2) else { return XCTFail("should wait") }
        XCTAssertEqual(seconds, 0.15, accuracy: 1e-9, "the rest of the quiet period")
        state.writeStarted()
        XCTAssertEqual(state.startIfQuiet(quietPeriod: 0.25, now: 20), .wait(0.25), "a write under way is not a pause")
        XCTAssertEqual(state.noteChanged(10, threshold: 100, now: 20.5), .none)
        XCTAssertEqual(state.startIfQuiet(quietPeriod: 0.25, now: 20.8), .start)
        XCTAssertEqual(state.noteChanged(500, threshold: 100, now: 21), .none, "one is running")
        state.backgroundSnapshotEnded()
        state.didSnapshot(at: 7)
        XCTAssertEqual(state.noteChanged(99, threshold: 100, now: 22), .none, "the count restarts after a snapshot")
    }

    func testWritesThatNeverPauseGetASnapshotAtTwiceTheThreshold() {
        let state = SnapshotState()
        XCTAssertEqual(state.noteChanged(100, threshold: 100, now: 1), .waitForQuiet)
        XCTAssertEqual(state.noteChanged(99, threshold: 100, now: 1.1), .none)
        XCTAssertEqual(state.noteChanged(1, threshold: 100, now: 1.2), .start)
        // The pending quiet check finds it started and does nothing.
        XCTAssertEqual(state.startIfQuiet(quietPeriod: 0.25, now: 5), .drop)
        state.backgroundSnapshotEnded()
    }

    func testPausedOrShutDownStartsNothing() {
        let state = SnapshotState()
        state.pause()
        XCTAssertEqual(state.noteChanged(1_000, threshold: 100, now: 1), .none, "paused by an import")
        state.resume()
        XCTAssertEqual(state.noteChanged(0, threshold: 100, now: 2), .start, "the import's changes count after it")
        state.backgroundSnapshotEnded()
        state.didSnapshot(at: 3)
        XCTAssertEqual(state.noteChanged(150, threshold: 100, now: 3), .waitForQuiet)
        state.shutDown()
        XCTAssertEqual(state.startIfQuiet(quietPeriod: 0.25, now: 10), .drop, "closing")
        XCTAssertEqual(state.noteChanged(1_000, threshold: 100, now: 11), .none)
        XCTAssertFalse(state.beginBackgroundSnapshot())
        state.waitForBackgroundSnapshot()
    }

    /// End to end: a database whose writes pause writes its snapshot in the background.
    func testADatabaseSnapshotsOnceWritesPause() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let directory = TemporaryDirectory("snapshot-schedule")
        let options = DatabaseOptions(snapshotAfterChanges: 50, snapshotQuietPeriod: 0.05, logger: DatabaseOptions.silentLogger)
        let db = try FaceDatabase.create(
            at: directory.path("db"), space: EmbeddingSpace(model: "m", dimension: 4, metric: .l2),
            index: .flat, options: options)
        defer { try? db.close() }
        let before = try db.stats().snapshotSequence
        let faces = (0..<60).map { _ in NewFace(identity: "p", embedding: (0..<4).map { _ in Float.random(in: -1...1, using: &rng) }) }
        try db.addFaces(faces, createMissingIdentities: true)
        let deadline = Date().addingTimeInterval(30)
        while try db.stats().snapshotSequence == before, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertNotEqual(try db.stats().snapshotSequence, before, "no background snapshot within 30 s; seed \(seed)")
    }
}
