import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// `facedb enroll`, `identify`, `verify`, `embed` and `annotate` on photos, through the built binary.
final class PhotoCLITests: XCTestCase {
    static let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FaceDBPhotosTests/Fixtures/photos").path
    static func photo(_ name: String) -> String { photos + "/" + name }

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1") }
    }

    /// A new dlib-space database `dir/db` and a folder `dir/folder` with one sub-folder of fixture
    /// photos per identity.
    func photoDatabaseAndFolder(_ dir: TemporaryDirectory, _ people: [(String, [String])]) throws -> (db: String, folder: String) {
        let db = dir.path("db")
        XCTAssertEqual(try runFacedb(["create", db, "--model", "dlib_face_recognition_resnet_model_v1", "--dim", "128", "--metric", "l2"]).status, 0)
        let folder = dir.path("folder")
        for (person, files) in people {
            try FileManager.default.createDirectory(atPath: folder + "/" + person, withIntermediateDirectories: true)
            for f in files { try FileManager.default.copyItem(atPath: Self.photo(f), toPath: "\(folder)/\(person)/\(f)") }
        }
        return (db, folder)
    }

    func testFolderEnrollmentThenIdentifyVerifyEmbedAndAnnotate() throws {
        let dir = TemporaryDirectory("photo-cli")
        // photos/<identity>/…: two good photos, a truncated copy, garbage, a cat, and a second person.
        let (db, folder) = try photoDatabaseAndFolder(
            dir,
            [
                ("deb", ["faces__deb_haaland__congress_photo_b_current.jpg"]),
                ("terri", ["faces__terri_sewell__congress_photo_b_current.jpg", "other__chelsea.png"]),
            ])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.photo("faces__jim_costa__congress_photo_b_current.jpg")))
        try bytes.prefix(2_000).write(to: URL(fileURLWithPath: folder + "/deb/truncated.jpg"))
        try Data(repeating: 0x42, count: 3_000).write(to: URL(fileURLWithPath: folder + "/deb/garbage.png"))
        let rejects = dir.path("rejects.jsonl")
        let enrolled = try runFacedb(["enroll", db, "--folder", folder, "--rejects", rejects, "--json"])
        XCTAssertEqual(enrolled.status, 2, enrolled.stderr)
        let outcomes = try jsonLines(enrolled.stdout)
        XCTAssertEqual(outcomes.count, 5)
        let accepted = outcomes.filter { $0["face_id"] != nil }.compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } }
        XCTAssertEqual(Set(accepted), ["faces__deb_haaland__congress_photo_b_current.jpg", "faces__terri_sewell__congress_photo_b_current.jpg"])
        let refused = try jsonLines(try String(contentsOfFile: rejects, encoding: .utf8))
        XCTAssertEqual(refused.count, 3)
        let kinds = Dictionary(
            uniqueKeysWithValues: refused.map {
                (
                    ($0["path"] as! NSString).lastPathComponent,
                    (($0["issues"] as? [[String: Any]])?.first?["kind"] as? String) ?? ""
                )
            })
        XCTAssertEqual(kinds["other__chelsea.png"], "no-face")
        XCTAssertEqual(kinds["truncated.jpg"], "unreadable")
        XCTAssertEqual(kinds["garbage.png"], "unreadable")

        // Identify: the other photo of Deb is Deb; a stranger is unknown.
        let identify = try runFacedb([
            "identify", db, Self.photo("faces__deb_haaland__congress_photo_a_older.jpg"),
            Self.photo("faces__al_gore__congress_bioguide.jpg"), "--json",
        ])
        XCTAssertEqual(identify.status, 0, identify.stderr)
        let answers = try jsonLines(identify.stdout)
        func decision(_ answer: [String: Any]) -> (String?, String?) {
            let face = (answer["faces"] as? [[String: Any]])?.first
            let id = face?["identification"] as? [String: Any]
            return (id?["decision"] as? String, ((id?["matches"] as? [[String: Any]])?.first?["identity"]) as? String)
        }
        XCTAssertEqual(decision(answers[0]).0, "match")
        XCTAssertEqual(decision(answers[0]).1, "deb")
        XCTAssertEqual(decision(answers[1]).0, "unknown")

        // Verify a photo against an identity, and two photos.
        let verify = try runFacedb(["verify", db, "--identity", "terri", Self.photo("faces__terri_sewell__congress_photo_a_older.jpg"), "--json"])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("\"decision\":\"match\""), verify.stdout)
        let pair = try runFacedb([
            "verify", db, Self.photo("faces__terri_sewell__congress_photo_a_older.jpg"),
            Self.photo("faces__deb_haaland__congress_photo_a_older.jpg"),
        ])
        XCTAssertTrue(pair.stdout.contains("different people"), pair.stdout)

        // Embed: one object per photo, 128 values per face; errors per photo, exit code 1.
        let embed = try runFacedb(["embed", Self.photo("faces__jim_costa__congress_photo_b_current.jpg"), dir.path("missing.jpg")])
        XCTAssertEqual(embed.status, 1)
        let rows = try jsonLines(embed.stdout)
        let faces = try XCTUnwrap(rows.first?["faces"] as? [[String: Any]])
        XCTAssertEqual(faces.count, 1)
        XCTAssertEqual((faces[0]["embedding"] as? [Double])?.count, 128)
        XCTAssertEqual((faces[0]["landmarks"] as? [[Int]])?.count, 5)
        XCTAssertEqual((faces[0]["box"] as? [Int])?.count, 4)
        XCTAssertNotNil(rows.last?["error"])

        // Annotate writes a PNG of the photo's size.
        let png = dir.path("who.png")
        let annotate = try runFacedb(["annotate", Self.photo("faces__deb_haaland__congress_photo_a_older.jpg"), "--database", db, "-o", png])
        XCTAssertEqual(annotate.status, 0, annotate.stderr)
        let written = try Data(contentsOf: URL(fileURLWithPath: png))
        XCTAssertEqual(Array(written.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// A database of dlib's model compared by cosine takes photos (the CLI compares the descriptors
    /// as the database does); a 128-D database of another model refuses them, saying so.
    func testEnrollmentFollowsTheDatabasesSpace() throws {
        let dir = TemporaryDirectory("photo-cli-space")
        let cosine = dir.path("cosine")
        XCTAssertEqual(
            try runFacedb(["create", cosine, "--model", "dlib_face_recognition_resnet_model_v1", "--dim", "128", "--metric", "cosine"]).status, 0)
        let photo = Self.photo("faces__deb_haaland__congress_photo_b_current.jpg")
        let enrolled = try runFacedb(["enroll", cosine, "--identity", "deb", photo])
        XCTAssertEqual(enrolled.status, 0, enrolled.stderr)
        let identify = try runFacedb(["identify", cosine, Self.photo("faces__deb_haaland__congress_photo_a_older.jpg"), "--json"])
        XCTAssertEqual(identify.status, 0, identify.stderr)

        let other = dir.path("other")
        XCTAssertEqual(try runFacedb(["create", other, "--model", "arcface", "--dim", "128", "--metric", "l2"]).status, 0)
        let refused = try runFacedb(["enroll", other, "--identity", "deb", photo])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("arcface"), refused.stderr)
    }

    func testEvaluateOnLFWStylePhotoPairs() throws {
        let dir = TemporaryDirectory("photo-evaluate")
        // An LFW folder: images/<name>/<name>_000N.jpg, linked to the fixture portraits.
        let people: [String: [String]] = [
            "joe_biden": ["president_portrait.jpg", "senate_bioguide.jpg"],
            "deb_haaland": ["congress_photo_b_current.jpg", "congress_photo_a_older.jpg"],
            "terri_sewell": ["congress_photo_b_current.jpg", "congress_photo_a_older.jpg"],
            "al_gore": ["congress_bioguide.jpg"], "jim_costa": ["congress_photo_b_current.jpg"],
        ]
        let images = dir.path("images")
        for (name, photos) in people {
            try FileManager.default.createDirectory(atPath: "\(images)/\(name)", withIntermediateDirectories: true)
            for (i, photo) in photos.enumerated() {
                try FileManager.default.createSymbolicLink(
                    atPath: String(format: "%@/%@/%@_%04d.jpg", images, name, name, i + 1),
                    withDestinationPath: Self.photo("faces__\(name)__\(photo)"))
            }
        }
        // One fold of 3 same and 3 different pairs; dlib's own distances decide all six correctly at 0.6.
        let pairs = dir.path("pairs.txt")
        try """
        1\t3
        joe_biden\t1\t2
        deb_haaland\t1\t2
        terri_sewell\t1\t2
        joe_biden\t1\tal_gore\t1
        deb_haaland\t2\tterri_sewell\t1
        al_gore\t1\tjim_costa\t1

        """.write(toFile: pairs, atomically: true, encoding: .utf8)
        let run = try runFacedb(["evaluate", "--pairs", pairs, "--images", images, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["pairs"] as? Int, 6)
        XCTAssertEqual(report["accuracy"] as? Double, 1.0, run.stdout)
        XCTAssertEqual(report["threshold"] as? Double ?? 0, 0.6, accuracy: 1e-6)
    }

    /// Running the same folder enrolment twice adds nothing the second time and says so.
    func testEnrollingAFolderTwiceStoresEachPhotoOnce() throws {
        let dir = TemporaryDirectory("photo-cli")
        let (db, folder) = try photoDatabaseAndFolder(
            dir,
            [
                ("deb", ["faces__deb_haaland__congress_photo_b_current.jpg", "faces__deb_haaland__congress_photo_a_older.jpg"]),
                ("terri", ["faces__terri_sewell__congress_photo_b_current.jpg"]),
            ])
        var run = try runFacedb(["enroll", db, "--folder", folder, "--rejects", dir.path("r1.jsonl"), "--meta", "{\"batch\": 1}"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("3 photos: 3 enrolled, 0 refused"), run.stdout)
        run = try runFacedb(["enroll", db, "--folder", folder, "--rejects", dir.path("r2.jsonl"), "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let outcomes = try jsonLines(run.stdout)
        XCTAssertEqual(outcomes.count, 3)
        XCTAssertTrue(outcomes.allSatisfy { $0["already_enrolled"] as? Bool == true && $0["face_id"] != nil }, run.stdout)
        run = try runFacedb(["enroll", db, "--folder", folder, "--rejects", dir.path("r3.jsonl")])
        XCTAssertTrue(run.stdout.contains("3 photos: 0 enrolled, 3 skipped (stored before), 0 refused"), run.stdout)
        let stats = try JSONDecoder().decode(DatabaseStats.self, from: Data(try runFacedb(["stats", db, "--json"]).stdout.utf8))
        XCTAssertEqual(stats.faces, 3)
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        XCTAssertEqual(try handle.faces(of: "deb").map(\.metadata), [.object(["batch": .number(1)]), .object(["batch": .number(1)])])
        try handle.close()
        // --meta must be a JSON object: refused before anything is enrolled.
        run = try runFacedb(["enroll", db, "--folder", folder, "--rejects", dir.path("r4.jsonl"), "--meta", "[1]"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("JSON object"), run.stderr)
    }

    func testTheShellTakesPhotoPaths() throws {
        let dir = TemporaryDirectory("photo-shell")
        let db = dir.path("db")
        XCTAssertEqual(try runFacedb(["create", db, "--model", "dlib_face_recognition_resnet_model_v1", "--dim", "128", "--metric", "l2"]).status, 0)
        let script = """
            add face deb \(Self.photo("faces__deb_haaland__congress_photo_b_current.jpg")) create meta {"source":"shell"}
            identify \(Self.photo("faces__deb_haaland__congress_photo_a_older.jpg")) k 1
            verify \(Self.photo("faces__terri_sewell__congress_photo_a_older.jpg")) deb
            verify \(Self.photo("faces__deb_haaland__congress_photo_a_older.jpg")) \(Self.photo("faces__deb_haaland__congress_photo_b_current.jpg"))
            add face deb \(Self.photo("faces__al_gore__congress_bioguide.jpg"))

            """
        let run = try runFacedb(["shell", db, "--json"], input: script)
        XCTAssertEqual(run.status, 1, "the last line (the wrong person) must fail: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("line 5") && run.stderr.contains("identity-mismatch"), run.stderr)
        let results = try jsonLines(run.stdout)
        XCTAssertEqual(results.count, 4, run.stdout)
        XCTAssertEqual(results[0]["action"] as? String, "added")
        XCTAssertEqual(results[1]["decision"] as? String, "match")
        XCTAssertEqual(((results[1]["matches"] as? [[String: Any]])?.first?["identity"]) as? String, "deb")
        XCTAssertEqual(results[2]["decision"] as? String, "unknown")
        XCTAssertEqual(results[3]["decision"] as? String, "match")
        let handle = try FaceDatabase.open(at: db, options: DatabaseOptions(logger: DatabaseOptions.silentLogger, readOnly: true))
        defer { try? handle.close() }
        XCTAssertEqual(try handle.faces(of: "deb").first?.metadata, .object(["source": .string("shell")]), "the photo's meta is kept")
    }
}
