import FaceDB
import FaceDBCore
import FaceDBPhotos
import FaceDBTestSupport
import Foundation
import XCTest

/// Output paths through the built binary: nothing a command writes may destroy a directory, a
/// database, an input, a symbolic link's target, or (without --force) an existing file; what is
/// written is put in place whole.
final class OutputPathCLITests: XCTestCase {
    func facedb(_ arguments: String...) throws -> FacedbRun { try runFacedb(arguments) }

    /// A database of `count` faces of 6 dimensions (identities `p0`…`p9`), and a JSON Lines file of
    /// `rows` more faces, with one bad row when `bad`.
    func makeDatabase(_ dir: TemporaryDirectory, count: Int = 60) throws -> String {
        let db = dir.path("db")
        XCTAssertEqual(try facedb("create", db, "--model", "m", "--dim", "6", "--metric", "l2").status, 0)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        try handle.addFaces(
            (0..<count).map { i in NewFace(identity: "p\(i % 10)", embedding: (0..<6).map { _ in rng.nextGaussian() }) },
            createMissingIdentities: true)
        try handle.close()
        return db
    }

    func writeRows(_ path: String, count: Int, bad: Bool) throws {
        var text = ""
        for i in 0..<count {
            text +=
                "{\"identity\": \"q\(i % 3)\", \"face_id\": \(1000 + i), \"embedding\": [\((0..<6).map { "\(Float(i + $0) / 10)" }.joined(separator: ","))]}\n"
        }
        if bad { text += "{\"identity\": \"bad\", \"embedding\": [1, 2]}\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The database opens and holds `faces` faces (the refused command left it whole).
    func assertDatabaseIntact(_ db: String, faces: Int, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
            XCTAssertEqual(handle.faceCount, faces, file: file, line: line)
            XCTAssertTrue(try handle.checkIndex().isConsistent, file: file, line: line)
            try handle.close()
        } catch {
            XCTFail("the database no longer opens: \(error)", file: file, line: line)
        }
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The names in `dir` that look like temporary output files.
    func temporaryFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".tmp-") }
    }

    func assertRefused(_ run: FacedbRun, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, "stdout: \(run.stdout) stderr: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.contains(words), run.stderr, file: file, line: line)
    }

    func testImportRejectsNeverRemovesADirectoryTheDatabaseOrAnInput() throws {
        let dir = TemporaryDirectory("out-import")
        let db = try makeDatabase(dir)
        let rows = dir.path("rows.jsonl")
        try writeRows(rows, count: 20, bad: true)
        let rowsBytes = bytes(rows)

        // The database directory, a file inside it, and any other directory: refused, exit 1, nothing imported.
        assertRefused(try facedb("import", db, rows, "--rejects", db), "is an existing directory")
        assertDatabaseIntact(db, faces: 60)
        assertRefused(try facedb("import", db, rows, "--rejects", db + "/store/CURRENT"), "inside the FaceDB database")
        assertRefused(try facedb("import", db, rows, "--rejects", db + "/new-rejects.jsonl", "--force"), "inside the FaceDB database")
        assertDatabaseIntact(db, faces: 60)
        let keep = dir.path("keep")
        try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
        try "mine".write(toFile: keep + "/note.txt", atomically: true, encoding: .utf8)
        assertRefused(try facedb("import", db, rows, "--rejects", keep, "--force"), "is an existing directory")
        XCTAssertEqual(try String(contentsOfFile: keep + "/note.txt", encoding: .utf8), "mine")
        // The input itself (also through another spelling of its path).
        assertRefused(try facedb("import", db, rows, "--rejects", rows, "--force"), "same file as the input")
        assertRefused(try facedb("import", db, rows, "--rejects", dir.path("keep/../rows.jsonl"), "--force"), "same file as the input")
        XCTAssertEqual(bytes(rows), rowsBytes)
        assertDatabaseIntact(db, faces: 60)

        // A symbolic link: refused even with --force; the target is unchanged and the link stays a link.
        let target = dir.path("target.txt")
        try "target".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.path("link.jsonl"), withDestinationPath: target)
        assertRefused(try facedb("import", db, rows, "--rejects", dir.path("link.jsonl"), "--force"), "symbolic link")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "target")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path("link.jsonl")), target)

        // An existing --rejects file: unchanged without --force, replaced whole with it.
        let mine = dir.path("mine.jsonl")
        try "my own file\n".write(toFile: mine, atomically: true, encoding: .utf8)
        assertRefused(try facedb("import", db, rows, "--rejects", mine), "already exists")
        XCTAssertEqual(try String(contentsOfFile: mine, encoding: .utf8), "my own file\n")
        assertDatabaseIntact(db, faces: 60)
        let forced = try facedb("import", db, rows, "--rejects", mine, "--force", "--quiet")
        XCTAssertEqual(forced.status, 2, forced.stderr)
        let lines = try String(contentsOfFile: mine, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("{\"row\":21,"), String(lines[0]))
        assertDatabaseIntact(db, faces: 80)
        XCTAssertEqual(temporaryFiles(dir.path), [])
    }

    func testARerunReplacesItsOwnDefaultRejectsFileButNotAFileItDidNotWrite() throws {
        let dir = TemporaryDirectory("out-rerun")
        let db = try makeDatabase(dir)
        let rows = dir.path("rows.jsonl")
        try writeRows(rows, count: 20, bad: true)
        let defaultRejects = rows + ".rejects.jsonl"

        // Runs of the same import: each replaces the default rejects file with its own rejected rows.
        XCTAssertEqual(try facedb("import", db, rows, "--quiet").status, 2)
        XCTAssertEqual(try String(contentsOfFile: defaultRejects, encoding: .utf8).split(separator: "\n").count, 1)
        let again = try facedb("import", db, rows, "--again", "--quiet")
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: defaultRejects, encoding: .utf8).split(separator: "\n").count, 1, "replaced, not appended")
        // The file fixed: a rerun rejects nothing and leaves an empty rejects file (no stale rows).
        try writeRows(rows, count: 20, bad: false)
        let fixed = try facedb("import", db, rows, "--quiet")
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertEqual(try String(contentsOfFile: defaultRejects, encoding: .utf8), "")

        // A file FaceDB did not write at the default path: refused without --force, replaced with it.
        try "notes, not rejects\n".write(toFile: defaultRejects, atomically: true, encoding: .utf8)
        assertRefused(try facedb("import", db, rows, "--again", "--quiet"), "already exists")
        XCTAssertEqual(try String(contentsOfFile: defaultRejects, encoding: .utf8), "notes, not rejects\n")
        XCTAssertEqual(try facedb("import", db, rows, "--again", "--quiet", "--force").status, 0)
        XCTAssertEqual(try String(contentsOfFile: defaultRejects, encoding: .utf8), "")
        // A directory at the default path: refused even with --force, and it survives.
        let other = dir.path("other.jsonl")
        try writeRows(other, count: 5, bad: true)
        try FileManager.default.createDirectory(atPath: other + ".rejects.jsonl/inner", withIntermediateDirectories: true)
        assertRefused(try facedb("import", db, other, "--force"), "is an existing directory")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other + ".rejects.jsonl/inner"))
        assertDatabaseIntact(db, faces: 80)
    }

    func testExportRefusesDatabaseFilesLinksDirectoriesAndExistingFiles() throws {
        let dir = TemporaryDirectory("out-export")
        let db = try makeDatabase(dir)
        for format in ["jsonl", "csv", "npy"] {
            assertRefused(try facedb("export", db, "--format", format, "--output", db + "/store/CURRENT", "--force"), "inside the FaceDB database")
            assertRefused(try facedb("export", db, "--format", format, "--output", db + "/export.\(format)", "--force"), "inside the FaceDB database")
            assertRefused(try facedb("export", db, "--format", format, "--output", db, "--force"), "is an existing directory")
        }
        assertRefused(try facedb("export", db, "--format", "milvus", "--output", db), "inside the FaceDB database")
        assertRefused(try facedb("export", db, "--format", "milvus", "--output", db + "/milvus"), "inside the FaceDB database")
        assertDatabaseIntact(db, faces: 60)
        XCTAssertEqual(temporaryFiles(db), [])

        // A link is never written through, even with --force.
        let target = dir.path("target.txt")
        try "target".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.path("link.jsonl"), withDestinationPath: target)
        assertRefused(try facedb("export", db, "--format", "jsonl", "--output", dir.path("link.jsonl"), "--force"), "symbolic link")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "target")

        // An existing file: unchanged without --force, replaced whole with it.
        let existing = dir.path("people.jsonl")
        try "keep me\n".write(toFile: existing, atomically: true, encoding: .utf8)
        assertRefused(try facedb("export", db, "--format", "jsonl", "--output", existing, "--quiet"), "already exists")
        XCTAssertEqual(try String(contentsOfFile: existing, encoding: .utf8), "keep me\n")
        let forced = try facedb("export", db, "--format", "jsonl", "--output", existing, "--quiet", "--force")
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let lines = try String(contentsOfFile: existing, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { !$0.contains(#""kind""#) }.count, 60, "60 faces, after the dump's database and identity lines")
        // .npy writes two files; an existing labels file is refused before the .npy is written.
        let labels = dir.path("people.labels.jsonl")
        try "labels\n".write(toFile: labels, atomically: true, encoding: .utf8)
        assertRefused(try facedb("export", db, "--format", "npy", "--output", dir.path("people.npy")), "already exists")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("people.npy")))
        XCTAssertEqual(try String(contentsOfFile: labels, encoding: .utf8), "labels\n")
        // A milvus directory is created; exporting there again needs --force.
        XCTAssertEqual(try facedb("export", db, "--format", "milvus", "--output", dir.path("milvus"), "--quiet").status, 0)
        assertRefused(try facedb("export", db, "--format", "milvus", "--output", dir.path("milvus"), "--quiet"), "already exists")
        XCTAssertEqual(try facedb("export", db, "--format", "milvus", "--output", dir.path("milvus"), "--quiet", "--force").status, 0)
        XCTAssertEqual(temporaryFiles(dir.path), [])
        XCTAssertEqual(temporaryFiles(dir.path("milvus")), [])
        assertDatabaseIntact(db, faces: 60)
    }

    func testEveryCommandThatWritesFilesDocumentsForce() throws {
        for command in ["import", "enroll", "export", "annotate", "calibrate"] {
            let help = try facedb(command, "--help")
            XCTAssertEqual(help.status, 0, command)
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            XCTAssertTrue(
                text.contains(
                    "--force Allow replacing an existing regular file at an output path. Never allows a directory, a symbolic link, a file inside a database, or one of the command's inputs."
                ),
                "\(command) --help: \(help.stdout)")
        }
    }

    func testCalibrateRefusesDatabaseFilesAndExistingCurves() throws {
        let dir = TemporaryDirectory("out-calibrate")
        let db = try makeDatabase(dir, count: 200)
        assertRefused(try facedb("calibrate", db, "--svg", db + "/store/CURRENT", "--force", "--max-impostors", "2000"), "inside the FaceDB database")
        assertRefused(try facedb("calibrate", db, "--csv", db, "--max-impostors", "2000"), "is an existing directory")
        let csv = dir.path("roc.csv")
        try "keep\n".write(toFile: csv, atomically: true, encoding: .utf8)
        assertRefused(try facedb("calibrate", db, "--csv", csv, "--max-impostors", "2000"), "already exists")
        XCTAssertEqual(try String(contentsOfFile: csv, encoding: .utf8), "keep\n")
        assertRefused(try facedb("calibrate", db, "--csv", dir.path("same"), "--svg", dir.path("same")), "two outputs")
        assertDatabaseIntact(db, faces: 200)
        let forced = try facedb(
            "calibrate", db, "--csv", csv, "--svg", dir.path("det.svg"), "--force", "--max-impostors", "2000", "--target-fmr", "1e-2", "--dry-run")
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("threshold,"))
        XCTAssertTrue(try String(contentsOfFile: dir.path("det.svg"), encoding: .utf8).contains("<svg"))
        XCTAssertEqual(temporaryFiles(dir.path), [])
    }
}

/// `annotate` and `enroll` outputs, which need the face models.
final class PhotoOutputPathCLITests: XCTestCase {
    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1") }
    }

    func testAnnotateWritesTheFormatItsExtensionNamesAndNeverItsInput() throws {
        let dir = TemporaryDirectory("out-annotate")
        let photo = dir.path("photo.jpg")
        try FileManager.default.copyItem(atPath: PhotoCLITests.photo("faces__deb_haaland__congress_photo_a_older.jpg"), toPath: photo)
        let original = try Data(contentsOf: URL(fileURLWithPath: photo))

        // The input, through its own path, a hard link or a symbolic link: refused; the photo is unchanged.
        var run = try runFacedb(["annotate", photo, "-o", photo, "--force"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("same file as the input"), run.stderr)
        try FileManager.default.linkItem(atPath: photo, toPath: dir.path("hard.jpg"))
        run = try runFacedb(["annotate", photo, "-o", dir.path("hard.jpg"), "--force"])
        XCTAssertTrue(run.status == 1 && run.stderr.contains("same file as the input"), run.stderr)
        try FileManager.default.createSymbolicLink(atPath: dir.path("soft.jpg"), withDestinationPath: photo)
        run = try runFacedb(["annotate", photo, "-o", dir.path("soft.jpg"), "--force"])
        XCTAssertTrue(run.status == 1 && run.stderr.contains("symbolic link"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: photo)), original)
        // An extension that names no format FaceDB writes: refused, nothing written.
        run = try runFacedb(["annotate", photo, "-o", dir.path("out.gif")])
        XCTAssertTrue(run.status == 1 && run.stderr.contains(".gif"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("out.gif")))

        // .png is PNG, .jpg and .jpeg are JPEG that decode back to the same size, close to the PNG.
        let png = dir.path("out.png")
        let jpg = dir.path("out.jpg")
        for path in [png, jpg, dir.path("out.JPEG")] {
            run = try runFacedb(["annotate", photo, "-o", path])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: jpg)).prefix(3)), [0xFF, 0xD8, 0xFF])
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: dir.path("out.JPEG"))).prefix(3)), [0xFF, 0xD8, 0xFF])
        let decoder = ImageDecoder()
        let lossless = try decoder.decode(contentsOf: png)
        let lossy = try decoder.decode(contentsOf: jpg)
        XCTAssertEqual(lossy.width, lossless.width)
        XCTAssertEqual(lossy.height, lossless.height)
        let error = zip(lossy.pixels, lossless.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(lossless.pixels.count)
        XCTAssertLessThan(error, 4, "mean absolute error per channel of the JPEG at quality 90")

        // An existing output: unchanged without --force, replaced with it.
        let before = try Data(contentsOf: URL(fileURLWithPath: png))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: png))
        run = try runFacedb(["annotate", photo, "-o", png])
        XCTAssertTrue(run.status == 1 && run.stderr.contains("already exists"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)), Data("not an image".utf8))
        run = try runFacedb(["annotate", photo, "-o", png, "--force"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: photo)), original)
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.contains(".tmp-") }, [])
    }

    func testEnrollRejectsNeverRemovesADirectoryOrTheDatabase() throws {
        let dir = TemporaryDirectory("out-enroll")
        let db = dir.path("db")
        XCTAssertEqual(try runFacedb(["create", db, "--model", "dlib_face_recognition_resnet_model_v1", "--dim", "128", "--metric", "l2"]).status, 0)
        let good = PhotoCLITests.photo("faces__deb_haaland__congress_photo_b_current.jpg")
        let cat = PhotoCLITests.photo("other__chelsea.png")
        XCTAssertEqual(try runFacedb(["enroll", db, "--identity", "deb", good, "--rejects", dir.path("first.jsonl")]).status, 0)

        for rejects in [db, db + "/store/CURRENT", db + "/rejects.jsonl"] {
            let run = try runFacedb(["enroll", db, "--identity", "cat", cat, "--rejects", rejects, "--force"])
            XCTAssertEqual(run.status, 1, run.stderr)
            XCTAssertTrue(run.stderr.contains("is an existing directory") || run.stderr.contains("inside the FaceDB database"), run.stderr)
        }
        let keep = dir.path("keep")
        try FileManager.default.createDirectory(atPath: keep + "/inner", withIntermediateDirectories: true)
        let run = try runFacedb(["enroll", db, "--identity", "cat", cat, "--rejects", keep, "--force"])
        XCTAssertTrue(run.status == 1 && run.stderr.contains("is an existing directory"), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: keep + "/inner"))
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
        XCTAssertEqual(handle.faceCount, 1)
        XCTAssertEqual(handle.identityCount, 1)
        try handle.close()

        // The default rejects file in the working directory is replaced by each run.
        for _ in 0..<2 {
            let p = Process()
            p.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb")
            p.arguments = ["enroll", db, "--identity", "cat", cat, "--quiet"]
            p.currentDirectoryURL = dir.url
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 2)
            let lines = try String(contentsOfFile: dir.path("enroll.rejects.jsonl"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "replaced, not appended")
        }
    }
}
