import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// `facedb repair` (issue 17): what is readable of a damaged database is salvaged into a new one,
/// what is not is reported, and the damaged directory is never changed.
final class RepairTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUp() { directory = TemporaryDirectory("repair") }
    override func tearDown() { directory = nil }

    /// Repairs `damaged` into `new` and checks that not one file of `damaged` changed.
    func repair(_ damaged: String, into new: String, file: StaticString = #filePath, line: UInt = #line) throws -> RepairReport {
        let before = try FaultFixture.contents(damaged)
        defer { XCTAssertEqual(try? FaultFixture.contents(damaged), before, "repair changed the damaged directory", file: file, line: line) }
        let report = try FaceDatabase.repair(from: damaged, into: new, options: FaultFixture.quiet)
        XCTAssertFalse(FileManager.default.fileExists(atPath: new + "/.repair-scratch"), "the scratch copy was left", file: file, line: line)
        return report
    }

    /// `facedb repair --json` into `new`: its exit status and report; the damaged directory unchanged.
    func runRepair(_ damaged: String, into new: String, file: StaticString = #filePath, line: UInt = #line) throws -> (
        status: Int32, report: RepairReport?
    ) {
        let before = try FaultFixture.contents(damaged)
        let run = try runFacedb(["repair", damaged, "--into", new, "--json"])
        XCTAssertFalse(run.wasSignalled, run.stderr, file: file, line: line)
        XCTAssertEqual(try FaultFixture.contents(damaged), before, "facedb repair changed the damaged directory", file: file, line: line)
        let report = try? JSONDecoder().decode(RepairReport.self, from: Data(run.stdout.utf8))
        XCTAssertNotNil(report, "not one JSON report: \(run.stdout) \(run.stderr)", file: file, line: line)
        return (run.status, report)
    }

    // MARK: - (1) a healthy database

    func testAHealthyDatabaseRepairsIntoAnIdenticalCopy() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let db = try FaceDatabase.create(at: path, space: FaultFixture.space, options: FaultFixture.quiet)
        try db.addIdentity("ada", displayName: "Ada Lovelace", metadata: .object(["born": .number(1815)]), galleries: ["staff", "math"])
        try db.addIdentity("alan", displayName: "Alan Turing", galleries: ["staff"])
        try db.addIdentity("nobody")
        var faces: [NewFace] = []
        for i in 0..<300 {
            let identity = ["ada", "alan", "grace-\(i % 5)"][i % 3]
            let source = i % 2 == 0 ? FaceSource(path: "photos/\(i).jpg", box: [1, 2, 30, 40]) : nil
            faces.append(
                NewFace(
                    identity: identity, embedding: FaultFixture.vector(&rng), source: source,
                    metadata: i % 4 == 0 ? .object(["i": .number(Double(i))]) : nil))
        }
        try db.addFaces(faces, createMissingIdentities: true)
        try db.removeFaces([FaceID(7), FaceID(8)])
        try db.addFaces([NewFace(identity: "ada", embedding: FaultFixture.vector(&rng), id: FaceID(100_000))])
        var pairs: [EmbeddingPair] = []
        for i in 0..<600 {
            let a = FaultFixture.vector(&rng)
            pairs.append(EmbeddingPair(a, i % 2 == 0 ? a.map { $0 + 0.1 * rng.nextGaussian() } : FaultFixture.vector(&rng), same: i % 2 == 0))
        }
        _ = try db.calibrate(pairs: pairs, options: CalibrationOptions(targetFMR: 0.05))
        try db.close()

        let new = directory.path("repaired")
        let report = try repair(path, into: new)
        XCTAssertTrue(report.isComplete, "\(report.losses); seed \(seed)")
        XCTAssertEqual(report.recoveryMode, .readOnly)
        XCTAssertEqual(report.facesSalvaged, 299)
        XCTAssertEqual(report.facesRecorded, 299)
        XCTAssertEqual(report.identitiesSalvaged, 8)
        XCTAssertEqual(report.identitiesCreatedBare, 0)
        XCTAssertTrue(report.calibrationSalvaged)
        XCTAssertEqual(report.snapshotStatus, .compared)
        XCTAssertEqual(report.unsalvagedFaceIDs, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: new + "/" + FaceDatabase.unsalvagedFileName))

        let original = try FaceDatabase.open(at: path, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        defer { try? original.close() }
        let copy = try FaceDatabase.open(at: new, options: FaultFixture.quiet)
        defer { try? copy.close() }
        XCTAssertEqual(copy.faceCount, original.faceCount)
        XCTAssertEqual(copy.identityCount, original.identityCount)
        XCTAssertEqual(copy.space, original.space)
        let identities = try original.identities()
        XCTAssertEqual(identities.count, 8)
        for identity in identities {
            let repaired = try XCTUnwrap(try copy.identity(identity.id), identity.id)
            XCTAssertEqual(repaired.displayName, identity.displayName, identity.id)
            XCTAssertEqual(repaired.metadata, identity.metadata, identity.id)
            XCTAssertEqual(repaired.galleries, identity.galleries, identity.id)
            XCTAssertEqual(repaired.faceCount, identity.faceCount, identity.id)
            for face in try original.faces(of: identity.id) {
                let other = try XCTUnwrap(try copy.face(face.id), "face \(face.id)")
                XCTAssertEqual(other.identity, face.identity)
                XCTAssertEqual(other.embedding.map(\.bitPattern), face.embedding.map(\.bitPattern), "face \(face.id)")
                XCTAssertEqual(other.source, face.source, "face \(face.id)")
                XCTAssertEqual(other.metadata, face.metadata, "face \(face.id)")
            }
        }
        XCTAssertEqual(try copy.operatingPoint(), try original.operatingPoint())
        XCTAssertNotNil(try copy.operatingPoint())
        XCTAssertTrue(try copy.checkIndex(full: true).isConsistent)
        let inStaff = try copy.search(faces[0].embedding, k: 400, filter: SearchFilter(galleries: ["staff"]))
        XCTAssertEqual(Set(inStaff.map(\.identity)), ["ada", "alan"])

        let (status, json) = try runRepair(path, into: directory.path("repaired-cli"))
        XCTAssertEqual(status, 0)
        XCTAssertEqual(json?.facesSalvaged, 299)
    }

    // MARK: - (2) a damaged write-ahead log

    func testAByteFlippedInTheLogSalvagesEveryWriteBeforeIt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        // A crash image: the last writes only in the write-ahead log.
        let (image, batches) = try FaultFixture.crashImage(in: directory, batches: 40, rng: &rng)
        let log = try XCTUnwrap(
            try FaultFixture.storeFiles(image) { $0.hasSuffix(".log") }.max { try! FaultFixture.size($0) < FaultFixture.size($1) })
        try FaultFixture.flip(log, at: try FaultFixture.size(log) / 2)
        XCTAssertThrowsError(try FaceDatabase.open(at: image, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .corruption)
        }

        let new = directory.path("repaired")
        let report = try repair(image, into: new)
        XCTAssertEqual(report.recoveryMode, .pointInTime, "seed \(seed)")
        XCTAssertEqual(report.refusedModes.first?.mode, .readOnly)
        XCTAssertFalse(report.isComplete)
        XCTAssertTrue(report.losses.contains { $0.contains("first damaged record") }, "\(report.losses)")
        // Every write before the damaged record: a prefix of the batches, each whole or not at all.
        // (RocksDB's point-in-time recovery may also keep an intact record after the damaged block.)
        let repaired = try FaceDatabase.open(at: new, options: FaultFixture.quiet)
        defer { try? repaired.close() }
        let presence = batches.map { batch in batch.keys.filter { (try? repaired.face($0)) != nil }.count }
        XCTAssertEqual(presence, presence.map { $0 == 0 ? 0 : 10 }, "a write half salvaged; seed \(seed)")
        let salvagedBatches = presence.prefix { $0 == 10 }.count
        XCTAssertGreaterThanOrEqual(salvagedBatches, 10, "the damage is in the middle of the log; seed \(seed)")
        XCTAssertLessThan(salvagedBatches, batches.count, "seed \(seed)")
        XCTAssertEqual(report.facesSalvaged, repaired.faceCount)
        XCTAssertEqual(report.facesSalvaged, presence.reduce(0, +))
        for (batch, present) in zip(batches, presence) where present > 0 {
            for (id, vector) in batch { XCTAssertEqual(try repaired.face(id)?.embedding, vector, "face \(id); seed \(seed)") }
        }
        XCTAssertEqual(repaired.identityCount, presence.reduce(0, +) * 3 / 10)
        XCTAssertTrue(try repaired.checkIndex(full: true).isConsistent)

        let (status, json) = try runRepair(image, into: directory.path("repaired-cli"))
        XCTAssertEqual(status, 1)
        XCTAssertEqual(json?.facesSalvaged, report.facesSalvaged)
        XCTAssertEqual(json?.recoveryMode, .pointInTime)
    }

    // MARK: - (3) a damaged table file

    func testAFlippedByteInAFacesTableSkipsOnlyItsBlockAndKeepsTheSnapshotsVectors() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let vectors = try FaultFixture.database(at: path, rounds: 2, perRound: 600, rng: &rng)
        // The biggest table file holds faces rows (embeddings); a third of the way in is a data block.
        let biggest = try XCTUnwrap(
            try FaultFixture.storeFiles(path) { $0.hasSuffix(".sst") }.max { try! FaultFixture.size($0) < FaultFixture.size($1) })
        try FaultFixture.flip(biggest, at: try FaultFixture.size(biggest) / 3)

        let new = directory.path("repaired")
        let report = try repair(path, into: new)
        XCTAssertEqual(report.recoveryMode, .readOnly, "\(report.refusedModes); seed \(seed)")
        XCTAssertFalse(report.isComplete)
        let skipped = report.skippedRanges.filter { $0.family == "faces" }
        XCTAssertEqual(skipped.count, 1, "\(report.skippedRanges); seed \(seed)")
        XCTAssertEqual(report.facesRecorded, vectors.count)
        XCTAssertEqual(report.undecodableRows, [])

        let repaired = try FaceDatabase.open(at: new, options: FaultFixture.quiet)
        defer { try? repaired.close() }
        var salvaged = Set<FaceID>()
        for (id, vector) in vectors {
            guard let face = try repaired.face(id) else { continue }
            salvaged.insert(id)
            XCTAssertEqual(face.embedding, vector, "face \(id); seed \(seed)")
        }
        XCTAssertEqual(report.facesSalvaged, salvaged.count)
        let lost = Set(vectors.keys).subtracting(salvaged)
        XCTAssertFalse(lost.isEmpty, "seed \(seed)")
        // Only one block's rows are lost (16 KiB blocks of ~100-byte rows), all inside the reported range.
        XCTAssertLessThan(lost.count, 400, "seed \(seed)")
        for id in lost {
            XCTAssertTrue(
                skipped.contains { id.rawValue >= $0.firstFaceID! && id.rawValue <= ($0.lastFaceID ?? .max) },
                "face \(id) lost outside \(skipped); seed \(seed)")
        }
        // The rows after the damaged block are read again: faces above the range are salvaged.
        XCTAssertTrue(salvaged.contains { $0.rawValue > skipped[0].lastFaceID ?? .max } || skipped[0].lastFaceID == nil)
        XCTAssertTrue(try repaired.checkIndex(full: true).isConsistent)

        // The snapshot held the lost faces: they are listed, with their exact vectors.
        XCTAssertEqual(report.snapshotStatus, .compared)
        XCTAssertEqual(Set(report.unsalvagedFaceIDs), Set(lost.map(\.rawValue)))
        struct Line: Decodable { var face_id: Int64; var embedding: [Float] }
        let text = try String(contentsOfFile: new + "/" + FaceDatabase.unsalvagedFileName, encoding: .utf8)
        let lines = try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        XCTAssertEqual(Set(lines.map(\.face_id)), Set(lost.map(\.rawValue)))
        for line in lines {
            XCTAssertEqual(line.embedding.map(\.bitPattern), vectors[FaceID(line.face_id)]?.map(\.bitPattern), "face \(line.face_id)")
        }

        let (status, json) = try runRepair(path, into: directory.path("repaired-cli"))
        XCTAssertEqual(status, 1)
        XCTAssertEqual(json?.facesSalvaged, salvaged.count)
        XCTAssertEqual(json?.unsalvagedFaceIDs.count, lost.count)
        let summary = try runFacedb(["repair", path, "--into", directory.path("repaired-text")])
        XCTAssertEqual(summary.status, 1)
        XCTAssertTrue(
            summary.stdout.contains("lost:") && summary.stdout.contains("were unreadable and skipped")
                && summary.stdout.contains(FaceDatabase.unsalvagedFileName), summary.stdout)
    }

    // MARK: - the last resort: rocksdb_repair_db on the copy

    func testAnEmptiedCurrentFileIsSalvagedByRocksDBsRepairOfTheCopy() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let path = directory.path("db")
        let vectors = try FaultFixture.database(at: path, rounds: 3, perRound: 100, rng: &rng)
        // Which MANIFEST is current is lost: neither read-only open can start.
        try FaultFixture.truncate(path + "/store/CURRENT", to: 0)

        let new = directory.path("repaired")
        let report = try repair(path, into: new)
        XCTAssertEqual(report.recoveryMode, .repairDB, "\(report.refusedModes); seed \(seed)")
        XCTAssertEqual(report.refusedModes.map(\.mode), [.readOnly, .pointInTime])
        XCTAssertEqual(report.facesRecorded, vectors.count)
        XCTAssertEqual(report.facesSalvaged, vectors.count)
        XCTAssertEqual(report.skippedRanges, [])
        XCTAssertEqual(report.unsalvagedFaceIDs, [])
        XCTAssertFalse(report.isComplete, "a lenient mode may have dropped what it could not read: reported")
        try FaultFixture.assertHolds(new, vectors, "repaired from an emptied CURRENT; seed \(seed)")
    }

    // MARK: - (4) refused targets

    func testATargetInsideTheDatabaseNonEmptyOrTheDatabaseItselfIsRefused() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let path = directory.path("db")
        _ = try FaultFixture.database(at: path, rounds: 1, perRound: 20, rng: &rng)
        let before = try FaultFixture.contents(path)
        let occupied = directory.path("occupied")
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: occupied + "/note.txt"))
        for target in [path, path + "/", path + "/repaired", path + "/store/x", path + "/../db", occupied] {
            XCTAssertThrowsError(try FaceDatabase.repair(from: path, into: target, options: FaultFixture.quiet), target) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .refusedOutput, "\(error)")
            }
            let run = try runFacedb(["repair", path, "--into", target])
            XCTAssertEqual(run.status, 1, target)
            XCTAssertTrue(run.stderr.contains("error:"), run.stderr)
            XCTAssertEqual(try FaultFixture.contents(path), before, target)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: occupied), ["note.txt"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/repaired"))
        // An empty existing directory is fine.
        let empty = directory.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertTrue(try repair(path, into: empty).isComplete)
    }
}
