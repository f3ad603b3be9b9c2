import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBPhotos
import FaceDBTestSupport
import Foundation
import Logging
import Metrics
import MetricsTestKit
import XCTest

/// Metrics (swift-metrics, through MetricsTestKit's backend) and log messages (swift-log, through a
/// capturing handler), checked against counts kept here. Each test gives its databases a dimension
/// of its own (`DatabaseOptions.metricsDimensions`), so other databases of the process never mix in.
final class ObservabilityTests: XCTestCase {
    /// The test backend, bootstrapped once per process: `MetricsSystem.bootstrap` may be called only once.
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()

    let space = EmbeddingSpace(model: "m", dimension: 8, metric: .l2)
    var directory: TemporaryDirectory!
    /// This test's own dimension.
    var tag: [(String, String)] = []

    override func setUp() {
        _ = Self.metrics
        directory = TemporaryDirectory("observability")
        tag = [("test", UUID().uuidString)]
    }

    override func tearDown() { directory = nil }

    func options(logger: Logger = DatabaseOptions.silentLogger) -> DatabaseOptions {
        DatabaseOptions(logger: logger, metricsDimensions: tag)
    }

    /// The total of a counter of this test (0 when it was never made).
    func count(_ label: String, _ dimensions: [(String, String)] = []) -> Int64 {
        (try? Self.metrics.expectCounter(label, dimensions + tag))?.totalValue ?? 0
    }

    /// The durations a timer of this test recorded.
    func durations(_ label: String, _ dimensions: [(String, String)] = []) -> [Int64] {
        (try? Self.metrics.expectTimer(label, dimensions + tag))?.values ?? []
    }

    func vector(_ rng: inout SeededGenerator) -> [Float] { (0..<8).map { _ in rng.nextGaussian() } }

    func testWritesAndFacesAreCountedExactly() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: options())
        defer { try? db.close() }
        XCTAssertEqual(count("facedb_writes_total", [("kind", "add_faces")]), 0)

        try db.addIdentity("ada")
        try db.addIdentity("bob")
        try db.updateIdentity("bob", displayName: "Bob")
        // K writes of N faces in all, counted here.
        let writes = Int.random(in: 3...9, using: &rng)
        var added: [FaceID] = []
        for w in 0..<writes {
            let faces = (0..<Int.random(in: 1...20, using: &rng)).map { _ in
                NewFace(identity: w % 2 == 0 ? "ada" : "p\(w)", embedding: vector(&rng))
            }
            added += try db.addFaces(faces, createMissingIdentities: true)
        }
        // A refused write commits nothing and counts nothing.
        XCTAssertThrowsError(try db.addFaces([NewFace(identity: "nobody", embedding: vector(&rng))]))
        // An empty one writes nothing.
        XCTAssertEqual(try db.addFaces([]), [])

        XCTAssertEqual(count("facedb_writes_total", [("kind", "add_faces")]), Int64(writes), "seed \(rng.seed)")
        XCTAssertEqual(count("facedb_faces_added_total"), Int64(added.count), "seed \(rng.seed)")
        XCTAssertEqual(count("facedb_writes_total", [("kind", "add_identity")]), 2)
        XCTAssertEqual(count("facedb_writes_total", [("kind", "update_identity")]), 1)

        let removed = Array(added.prefix(3))
        try db.removeFaces(removed)
        try db.removeIdentity("bob")
        XCTAssertEqual(count("facedb_writes_total", [("kind", "remove_faces")]), 1)
        XCTAssertEqual(count("facedb_writes_total", [("kind", "remove_identity")]), 1)
        XCTAssertEqual(count("facedb_faces_removed_total"), Int64(removed.count))
        XCTAssertEqual(count("facedb_faces_added_total") - count("facedb_faces_removed_total"), Int64(db.faceCount))

        // The gauges follow the stored counts.
        XCTAssertEqual(try Self.metrics.expectGauge("facedb_faces", tag).lastValue, Double(db.faceCount))
        XCTAssertEqual(try Self.metrics.expectGauge("facedb_identities", tag).lastValue, Double(db.identityCount))
    }

    func testSearchesAreCountedAndTimed() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: options())
        defer { try? db.close() }
        try db.addFaces((0..<200).map { i in NewFace(identity: "p\(i % 20)", embedding: vector(&rng)) }, createMissingIdentities: true)
        XCTAssertTrue(durations("facedb_search_seconds", [("operation", "search")]).isEmpty)

        let single = Int.random(in: 1...5, using: &rng)
        for _ in 0..<single { _ = try db.search(vector(&rng), k: 3) }
        let batch = Int.random(in: 2...6, using: &rng)
        _ = try db.search(batch: (0..<batch).map { _ in vector(&rng) }, k: 3)
        // Probes count one each; a call records one duration.
        XCTAssertEqual(count("facedb_searches_total", [("operation", "search")]), Int64(single + batch))
        let timed = durations("facedb_search_seconds", [("operation", "search")])
        XCTAssertEqual(timed.count, single + 1)
        XCTAssertTrue(timed.allSatisfy { $0 > 0 }, "\(timed)")

        // identify and verify are counted as themselves, not as the searches they make.
        _ = try db.identify(vector(&rng))
        _ = try db.identify(batch: [vector(&rng), vector(&rng)])
        _ = try db.verify(vector(&rng), identity: "p3")
        _ = try db.verify(vector(&rng), vector(&rng))
        XCTAssertEqual(count("facedb_searches_total", [("operation", "search")]), Int64(single + batch))
        XCTAssertEqual(count("facedb_searches_total", [("operation", "identify")]), 3)
        XCTAssertEqual(durations("facedb_search_seconds", [("operation", "identify")]).count, 2)
        XCTAssertEqual(count("facedb_searches_total", [("operation", "verify")]), 2)
        XCTAssertEqual(durations("facedb_search_seconds", [("operation", "verify")]).count, 2)
        // A refused search is not counted.
        XCTAssertThrowsError(try db.search([1, 2], k: 1))
        XCTAssertEqual(count("facedb_searches_total", [("operation", "search")]), Int64(single + batch))
    }

    func testSnapshotsAndARebuildAreCountedAndTheRebuildIsAWarning() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let path = directory.path("db")
        let log = LogCapture()
        var db = try FaceDatabase.create(at: path, space: space, options: options(logger: log.logger))
        XCTAssertEqual(count("facedb_snapshots_total"), 1, "create writes the first snapshot")
        try db.addFaces((0..<50).map { i in NewFace(identity: "p\(i % 5)", embedding: vector(&rng)) }, createMissingIdentities: true)
        try db.checkpoint()
        try db.checkpoint()  // nothing changed: nothing written
        try db.close()
        XCTAssertEqual(count("facedb_snapshots_total"), 2)
        XCTAssertEqual(durations("facedb_snapshot_seconds").count, 2)
        let written = log.entries(at: .info).filter { $0.message == "wrote the index snapshot" }
        XCTAssertEqual(written.count, 2, "\(log.lines)")
        XCTAssertEqual(written.last?.metadata["faces"]?.description, "50")
        XCTAssertEqual(written.last?.metadata["database"]?.description, path)
        XCTAssertEqual(count("facedb_index_rebuilds_total", [("reason", "missing")]), 0)

        // No snapshot: the next open rebuilds the index, warns, and writes a new snapshot.
        try FileManager.default.removeItem(atPath: path + "/index.snapshot")
        let reopened = LogCapture()
        db = try FaceDatabase.open(at: path, options: options(logger: reopened.logger))
        defer { try? db.close() }
        XCTAssertEqual(count("facedb_index_rebuilds_total", [("reason", "missing")]), 1)
        let warnings = reopened.entries(at: .warning)
        XCTAssertEqual(warnings.count, 1, "\(reopened.lines)")
        XCTAssertEqual(warnings.first?.message, "there is no index snapshot; rebuilding the index from the store")
        XCTAssertEqual(warnings.first?.metadata["faces"]?.description, "50")
        XCTAssertEqual(warnings.first?.metadata["problem"]?.description, "missing")
        XCTAssertEqual(count("facedb_snapshots_total"), 3)

        // A reindex to another kind rebuilds too.
        try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 8, efSearch: 32))
        XCTAssertEqual(count("facedb_index_rebuilds_total", [("reason", "reindex")]), 1)
    }

    func testImportRowsAreCountedByOutcome() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: options())
        defer { try? db.close() }
        func row(_ id: Int) -> String {
            #"{"identity": "p\#(id % 7)", "face_id": \#(id), "embedding": [\#(vector(&rng).map { "\($0)" }.joined(separator: ", "))]}"#
        }
        var lines = (1...100).map(row)
        lines.insert(#"{"identity": "x", "embedding": [1, 1]}"#, at: 40)
        lines.insert("not JSON", at: 70)
        let file = directory.path("rows.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let first = try db.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: nil), options: ImportOptions(batchSize: 16))
        XCTAssertEqual(first.stored, 100)
        XCTAssertEqual(first.rejected, 2)
        XCTAssertEqual(count("facedb_import_rows_total", [("outcome", "stored")]), 100)
        XCTAssertEqual(count("facedb_import_rows_total", [("outcome", "rejected")]), 2)
        XCTAssertEqual(count("facedb_writes_total", [("kind", "import_batch")]), Int64(first.batches))
        XCTAssertEqual(count("facedb_faces_added_total"), 100)
        XCTAssertEqual(count("facedb_writes_total", [("kind", "add_faces")]), 0)

        // Again, without the resume key's help: every face id is stored already, so skipped.
        let second = try db.importEmbeddings(
            from: try EmbeddingFiles.open(path: file, labels: nil),
            options: ImportOptions(batchSize: 16, resumeKey: nil))
        XCTAssertEqual(count("facedb_import_rows_total", [("outcome", "skipped")]), Int64(second.skipped))
        XCTAssertEqual(count("facedb_import_rows_total", [("outcome", "resumed")]), Int64(second.resumed))
        XCTAssertEqual(second.skipped + second.resumed, 100)
        let outcomes = ["stored", "skipped", "rejected", "resumed"]
        XCTAssertEqual(
            outcomes.map { count("facedb_import_rows_total", [("outcome", $0)]) }.reduce(0, +),
            Int64(first.rowsRead + second.rowsRead), "every row read is counted once")
    }

    func testEnrolmentRefusalsAreCountedByReason() throws {
        if ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1") }
        let pipeline = try PhotoTests.shared ?? FacePipeline()
        if PhotoTests.shared == nil { PhotoTests.shared = pipeline }
        let db = try FaceDatabase.create(at: directory.path("db"), space: .dlibResNet, options: options())
        defer { try? db.close() }
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let garbage = directory.path("garbage.jpg")
        try Data((0..<5_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: URL(fileURLWithPath: garbage))
        let photos = [
            garbage, PhotoTests.other("rocket.jpg"), PhotoTests.photo("ed_case", "congress_photo_b_current.jpg"),
            directory.path("missing.jpg"),
        ]
        let enrollment = try db.enroll(photosAt: photos, identity: "ed", pipeline: pipeline)

        // The oracle: the reasons the enrolment itself reports.
        var reasons: [String: Int64] = [:]
        for outcome in enrollment.outcomes {
            for kind in Set(outcome.issues.map(\.kind.rawValue)) { reasons[kind, default: 0] += 1 }
        }
        XCTAssertEqual(enrollment.accepted, 1, "\(enrollment.outcomes.map(\.issues))")
        XCTAssertEqual(reasons[QualityIssue.Kind.noFace.rawValue], 1, "\(reasons)")
        XCTAssertEqual(reasons[QualityIssue.Kind.unreadable.rawValue], 2, "\(reasons)")
        for (reason, n) in reasons {
            XCTAssertEqual(count("facedb_enrol_refusals_total", [("reason", reason)]), n, reason)
        }
        XCTAssertEqual(count("facedb_enrol_photos_total", [("outcome", "accepted")]), 1)
        XCTAssertEqual(count("facedb_enrol_photos_total", [("outcome", "refused")]), 3)
        XCTAssertEqual(count("facedb_faces_added_total"), 1)
    }

    func testTheDefaultLoggerWritesNoticesToStandardError() {
        let logger = DatabaseOptions().logger
        XCTAssertEqual(logger.label, "facedb")
        XCTAssertEqual(logger.logLevel, .notice)
    }
}
