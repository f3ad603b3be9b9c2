import FaceDB
import FaceDBCore
import FaceDBPhotos
import FaceDBStorage
import FaceDBTestSupport
import Foundation
import XCTest

/// Photos end to end: enrol, identify, verify, the quality gate and bad files, on the public-domain
/// fixture portraits (`Tests/FaceDBPhotosTests/Fixtures/photos`, provenance there). The oracle
/// is who is in each photo (its file name) and dlib's own distances on these photos (every
/// same-person pair within 0.56, every different-person pair beyond 0.61; see the golden README).
final class PhotoTests: XCTestCase {
    static let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FaceDBPhotosTests/Fixtures/photos").path
    static func photo(_ person: String, _ name: String) -> String { photos + "/faces__\(person)__\(name)" }
    static func other(_ name: String) -> String { photos + "/other__\(name)" }

    /// The models, loaded once for the whole class (checksums verified).
    nonisolated(unsafe) static var shared: FacePipeline?
    var pipeline: FacePipeline!
    var directory: TemporaryDirectory!
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1") }
        if Self.shared == nil { Self.shared = try FacePipeline() }
        pipeline = Self.shared
        directory = TemporaryDirectory("photos")
    }

    override func tearDown() { directory = nil }

    func makeDatabase() throws -> FaceDatabase {
        try FaceDatabase.create(at: directory.path("db"), space: .dlibResNet, options: quiet)
    }

    /// One photo per person enrolled; the others are probes.
    let enrolled: [(person: String, photo: String)] = [
        ("barack_obama", "senate_bioguide.jpg"), ("joe_biden", "president_portrait.jpg"),
        ("deb_haaland", "congress_photo_b_current.jpg"), ("jim_costa", "congress_photo_b_current.jpg"),
        ("terri_sewell", "congress_photo_b_current.jpg"), ("cedric_richmond", "congress_photo_b_current.jpg"),
    ]
    let probes: [(person: String, photo: String)] = [
        ("barack_obama", "wh_official_portrait_2012.jpg"), ("barack_obama", "wh_congress_address_2009.jpg"),
        ("joe_biden", "senate_bioguide.jpg"), ("joe_biden", "wh_blue_room_2010_crop.jpg"),
        ("deb_haaland", "congress_photo_a_older.jpg"), ("jim_costa", "congress_photo_a_older.jpg"),
        ("terri_sewell", "congress_photo_a_older.jpg"), ("cedric_richmond", "congress_photo_a_older.jpg"),
    ]
    let strangers = [
        ("al_gore", "congress_bioguide.jpg"), ("kamala_harris", "congress_bioguide.jpg"),
        ("dick_cheney", "congress_bioguide.jpg"), ("john_kerry", "congress_bioguide.jpg"),
    ]

    func testEnrolledPeopleAreIdentifiedAndStrangersAreUnknown() throws {
        let db = try makeDatabase()
        for (person, photo) in enrolled {
            let enrollment = try db.enroll(photosAt: [Self.photo(person, photo)], identity: person, pipeline: pipeline)
            XCTAssertEqual(enrollment.accepted, 1, "\(person): \(enrollment.outcomes.map(\.issues))")
        }
        // What is stored with a face: where it came from and how good it was.
        let face = try XCTUnwrap(try db.faces(of: "joe_biden").first)
        XCTAssertEqual(face.source?.path, Self.photo("joe_biden", "president_portrait.jpg"))
        XCTAssertEqual(face.source?.imageSHA256?.count, 64)
        XCTAssertEqual(face.source?.landmarks?.count, 5)
        XCTAssertNotNil(face.source?.quality?["sharpness"])
        XCTAssertNil(face.source?.chipPNG)

        for (person, photo) in probes {
            let result = try db.identify(photoAt: Self.photo(person, photo), pipeline: pipeline)
            XCTAssertEqual(result.faces.count, 1, "\(person)/\(photo)")
            let answer = try XCTUnwrap(result.faces.first?.identification)
            XCTAssertEqual(answer.matches.first?.identity, person, "\(person)/\(photo): \(answer.matches)")
            XCTAssertEqual(answer.identity, person, "\(person)/\(photo) decided \(answer.decision)")
        }
        for (person, photo) in strangers {
            let answer = try XCTUnwrap(try db.identify(photoAt: Self.photo(person, photo), pipeline: pipeline).faces.first?.identification)
            XCTAssertEqual(answer.decision, .unknown, "\(person) was taken for \(answer.matches.first?.identity ?? "-")")
        }
        // The photo stored sideways with an EXIF orientation is found upright, and is Obama.
        let rotated = try db.identify(photoAt: Self.other("obama_exif_orientation6.jpg"), pipeline: pipeline)
        XCTAssertEqual(rotated.width, 910)
        XCTAssertEqual(rotated.height, 1137)
        XCTAssertEqual(rotated.faces.first?.identification.identity, "barack_obama")
        // The cat has no face.
        XCTAssertTrue(try db.identify(photoAt: Self.other("chelsea.png"), pipeline: pipeline).faces.isEmpty)
    }

    /// Enrolling a photo already stored for the identity (even as a copy under another name) adds
    /// nothing and says so; `replace` rewrites its face under the same id; a face within the 1:1
    /// threshold of another identity is refused naming that identity, unless allowed.
    func testReEnrolmentIsIdempotentAndAnotherPersonsPhotoIsRefused() throws {
        let db = try makeDatabase()
        defer { try? db.close() }
        let obama = [Self.photo("barack_obama", "senate_bioguide.jpg"), Self.photo("barack_obama", "wh_official_portrait_2012.jpg")]
        let first = try db.enroll(photosAt: obama, identity: "barack_obama", pipeline: pipeline)
        XCTAssertEqual(first.accepted, 2, "\(first.outcomes.map(\.issues))")
        let copy = directory.path("renamed-copy.jpg")
        try FileManager.default.copyItem(atPath: obama[0], toPath: copy)
        let again = try db.enroll(photosAt: obama + [copy], identity: "barack_obama", pipeline: pipeline)
        XCTAssertEqual([again.accepted, again.skipped, again.rejected], [0, 3, 0])
        XCTAssertEqual(again.outcomes.map(\.faceID), first.outcomes.map(\.faceID) + [first.outcomes[0].faceID])
        XCTAssertEqual(db.faceCount, 2)

        let replaced = try db.enroll(
            photosAt: [obama[1]], identity: "barack_obama", pipeline: pipeline,
            options: EnrollOptions(replace: true, metadata: .object(["note": .string("again")])))
        XCTAssertTrue(replaced.outcomes[0].replaced)
        XCTAssertEqual(replaced.outcomes[0].faceID, first.outcomes[1].faceID, "the face id is kept")
        XCTAssertEqual(db.faceCount, 2)
        XCTAssertEqual(try db.face(try XCTUnwrap(first.outcomes[1].faceID))?.metadata, .object(["note": .string("again")]))

        // Obama's third photo filed under another name: refused, naming him; nothing stored.
        let third = Self.photo("barack_obama", "wh_congress_address_2009.jpg")
        let wrong = try db.enroll(photosAt: [third], identity: "somebody", pipeline: pipeline)
        let issue = try XCTUnwrap(wrong.outcomes[0].issues.first)
        XCTAssertEqual(issue.kind, .duplicatePerson)
        XCTAssertTrue(issue.message.contains("'barack_obama'") && issue.message.contains("distance"), issue.message)
        XCTAssertLessThan(try XCTUnwrap(issue.measured), try XCTUnwrap(issue.threshold))
        XCTAssertNil(try db.identity("somebody"))
        XCTAssertEqual(db.faceCount, 2)
        // Another person under their own name passes; the same photo passes when allowed.
        XCTAssertEqual(
            try db.enroll(photosAt: [Self.photo("joe_biden", "senate_bioguide.jpg")], identity: "joe_biden", pipeline: pipeline).accepted, 1)
        let allowed = try db.enroll(photosAt: [third], identity: "somebody", pipeline: pipeline, options: EnrollOptions(allowDuplicatePerson: true))
        XCTAssertEqual(allowed.accepted, 1, "\(allowed.outcomes.map(\.issues))")
    }

    func testVerifyingPhotosAgainstPhotosAndIdentities() throws {
        let db = try makeDatabase()
        let same = try db.verify(
            photoAt: Self.photo("joe_biden", "president_portrait.jpg"),
            photoAt: Self.photo("joe_biden", "senate_bioguide.jpg"), pipeline: pipeline)
        XCTAssertEqual(same.decision, .match, "distance \(same.score)")
        XCTAssertLessThan(same.score, 0.6)
        let different = try db.verify(
            photoAt: Self.photo("joe_biden", "president_portrait.jpg"),
            photoAt: Self.photo("al_gore", "congress_bioguide.jpg"), pipeline: pipeline)
        XCTAssertEqual(different.decision, .unknown, "distance \(different.score)")
        XCTAssertGreaterThan(different.score, 0.6)
        // Asked to, enrolment keeps the aligned chip: a 150×150 PNG.
        var keep = EnrollOptions()
        keep.storeChips = true
        let ids = try db.enroll(
            photosAt: [Self.photo("deb_haaland", "congress_photo_b_current.jpg")], identity: "deb",
            pipeline: pipeline, options: keep
        ).outcomes.compactMap(\.faceID)
        let png = try XCTUnwrap(try db.face(XCTUnwrap(ids.first))?.source?.chipPNG)
        let chip = try ImageDecoder().decode(Array(try XCTUnwrap(Data(base64Encoded: png))))
        XCTAssertEqual([chip.width, chip.height], [150, 150])
        XCTAssertEqual(
            try db.verify(photoAt: Self.photo("deb_haaland", "congress_photo_a_older.jpg"), identity: "deb", pipeline: pipeline).decision, .match)
        XCTAssertEqual(
            try db.verify(photoAt: Self.photo("terri_sewell", "congress_photo_a_older.jpg"), identity: "deb", pipeline: pipeline).decision, .unknown)
        XCTAssertThrowsError(try db.verify(photoAt: Self.other("coffee.png"), identity: "deb", pipeline: pipeline)) { error in
            XCTAssertTrue((error as? FaceDBError)?.message.contains("No face") ?? false, "\(error)")
        }
    }

    func testTheQualityGateRefusesWithReasons() throws {
        let db = try makeDatabase()
        // The wrong person's photo into an existing identity.
        XCTAssertEqual(
            try db.enroll(photosAt: [Self.photo("jim_costa", "congress_photo_b_current.jpg")], identity: "jim", pipeline: pipeline).accepted, 1)
        let wrong = try db.enroll(
            photosAt: [Self.photo("al_gore", "congress_bioguide.jpg"), Self.photo("jim_costa", "congress_photo_a_older.jpg")],
            identity: "jim", pipeline: pipeline)
        XCTAssertEqual(wrong.outcomes.map(\.accepted), [false, true])
        let issue = try XCTUnwrap(wrong.outcomes[0].issues.first)
        XCTAssertEqual(issue.kind, .identityMismatch)
        XCTAssertGreaterThan(issue.measured ?? 0, issue.threshold ?? 1)
        XCTAssertEqual(try db.faces(of: "jim").count, 2)
        // No face; a face smaller than asked for; a sharpness limit no photo meets.
        let none = try db.enroll(photosAt: [Self.other("rocket.jpg")], identity: "x", pipeline: pipeline)
        XCTAssertEqual(none.outcomes.first?.issues.first?.kind, .noFace)
        var strict = EnrollOptions()
        strict.quality.minimumSharpness = 1e9
        let blurry = try db.enroll(
            photosAt: [Self.photo("terri_sewell", "congress_photo_b_current.jpg")], identity: "terri",
            pipeline: pipeline, options: strict)
        let measured = try XCTUnwrap(blurry.outcomes.first?.quality?.sharpness)
        XCTAssertEqual(blurry.outcomes.first?.issues.map(\.kind), [.blurry])
        XCTAssertEqual(blurry.outcomes.first?.issues.first?.measured, measured)
        // A photo blurred with a 5×5 box filter.
        let sharpPhoto = try pipeline.decoder.decode(contentsOf: Self.photo("terri_sewell", "congress_photo_b_current.jpg"))
        let w = sharpPhoto.width, h = sharpPhoto.height
        var soft = [UInt8](repeating: 0, count: sharpPhoto.pixels.count)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0
                    for dy in -2...2 {
                        for dx in -2...2 { sum += Int(sharpPhoto.pixels[(min(h - 1, max(0, y + dy)) * w + min(w - 1, max(0, x + dx))) * 3 + c]) }
                    }
                    soft[(y * w + x) * 3 + c] = UInt8(sum / 25)
                }
            }
        }
        let blurredPath = directory.path("blurred.png")
        try PNGEncoder.write(try RGBImage(width: w, height: h, pixels: soft), to: blurredPath)
        let refused = try db.enroll(photosAt: [blurredPath], identity: "terri", pipeline: pipeline)
        XCTAssertEqual(
            refused.outcomes.first?.issues.first?.kind, .blurry,
            "\(refused.outcomes.map(\.issues)) \(String(describing: refused.outcomes.first?.quality))")
        // Two people side by side: refused, unless the largest face is asked for.
        let left = try pipeline.decoder.decode(contentsOf: Self.photo("ed_case", "congress_photo_b_current.jpg"))
        let right = try pipeline.decoder.decode(contentsOf: Self.photo("kamala_harris", "congress_bioguide.jpg"))
        let height = max(left.height, right.height)
        var pair = [UInt8](repeating: 255, count: (left.width + right.width) * height * 3)
        for (image, x0) in [(left, 0), (right, left.width)] {
            for y in 0..<image.height {
                let from = y * image.width * 3
                let to = (y * (left.width + right.width) + x0) * 3
                pair.replaceSubrange(to..<(to + image.width * 3), with: image.pixels[from..<(from + image.width * 3)])
            }
        }
        let pairPath = directory.path("two.png")
        try PNGEncoder.write(try RGBImage(width: left.width + right.width, height: height, pixels: pair), to: pairPath)
        let two = try db.enroll(photosAt: [pairPath], identity: "ed", pipeline: pipeline)
        XCTAssertEqual(two.outcomes.first?.issues.first?.kind, .severalFaces, "\(two.outcomes.map(\.issues))")
        XCTAssertEqual(two.outcomes.first?.issues.first?.measured, 2)
        var largest = EnrollOptions()
        largest.pickLargestFace = true
        let picked = try db.enroll(photosAt: [pairPath], identity: "ed", pipeline: pipeline, options: largest)
        XCTAssertEqual(picked.accepted, 1, "\(picked.outcomes.map(\.issues))")
        let stored = try XCTUnwrap(try db.faces(of: "ed").first?.source?.box)
        XCTAssertLessThan(stored[2], Double(left.width), "the larger face (Ed Case, on the left) was enrolled")
        var big = EnrollOptions()
        big.quality.minimumFaceSize = 5_000
        let small = try db.enroll(
            photosAt: [Self.photo("terri_sewell", "congress_photo_b_current.jpg")], identity: "terri",
            pipeline: pipeline, options: big)
        XCTAssertEqual(small.outcomes.first?.issues.first?.kind, .faceTooSmall)
        XCTAssertNil(try db.identity("terri"), "a refused enrolment must not create the identity")
    }

    func testBadFilesInABatchAreRefusedAndTheRestEnrolled() throws {
        let db = try makeDatabase()
        let good = Self.photo("ed_case", "congress_photo_b_current.jpg")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = directory.path("truncated.jpg")
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: truncated))
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let garbage = directory.path("garbage.jpg")
        try Data((0..<5_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: URL(fileURLWithPath: garbage))
        let missing = directory.path("missing.jpg")
        let enrollment = try db.enroll(photosAt: [truncated, good, garbage, missing], identity: "ed", pipeline: pipeline)
        XCTAssertEqual(enrollment.outcomes.map(\.accepted), [false, true, false, false], "\(enrollment.outcomes.map(\.issues)), seed \(rng.seed)")
        for outcome in enrollment.outcomes where !outcome.accepted {
            XCTAssertTrue(outcome.issues.contains { $0.kind == .unreadable || $0.kind == .noFace }, "\(outcome.path): \(outcome.issues)")
            XCTAssertFalse(outcome.issues.first?.message.isEmpty ?? true)
        }
        XCTAssertEqual(try db.faces(of: "ed").count, 1)
    }

    /// The cosine of two raw descriptors, computed here (the oracle for the cosine database).
    func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices { dot += Double(a[i] * b[i]); aa += Double(a[i] * a[i]); bb += Double(b[i] * b[i]) }
        return Float(dot / (aa.squareRoot() * bb.squareRoot()))
    }

    /// On a cosine database a larger score is more similar: the identity check must refuse a face
    /// whose best cosine is below the 1:1 threshold and accept one above it. (It used to take the
    /// smallest score and refuse scores above the threshold: the other way round.)
    func testTheIdentityCheckOnACosineDatabaseRefusesAnotherPersonAndAcceptsTheSame() throws {
        let space = EmbeddingSpace(model: EmbeddingSpace.dlibResNet.model, dimension: 128, metric: .cosine)
        let db = try FaceDatabase.create(at: directory.path("cosine"), space: space, options: quiet)
        defer { try? db.close() }
        let cosinePipeline = pipeline.comparing(by: .cosine)
        XCTAssertEqual(cosinePipeline.space, space)
        let first = Self.photo("jim_costa", "congress_photo_b_current.jpg")
        let same = Self.photo("jim_costa", "congress_photo_a_older.jpg")
        let stranger = Self.photo("al_gore", "congress_bioguide.jpg")
        func embedding(_ path: String) throws -> [Float] { try XCTUnwrap(try pipeline.analyze(photoAt: path).largestFace).embedding }
        let (reference, sameEmbedding, strangerEmbedding) = (try embedding(first), try embedding(same), try embedding(stranger))
        let sameCosine = cosine(reference, sameEmbedding)
        let strangerCosine = cosine(reference, strangerEmbedding)
        XCTAssertGreaterThan(sameCosine, strangerCosine + 0.02, "the fixture photos separate by cosine")
        let threshold = (sameCosine + strangerCosine) / 2

        // Calibrate from constructed pairs: impostor pairs at exactly `threshold`'s cosine, genuine ones at 1,
        // so that the 1:1 threshold for an FMR of 10% is (just above) `threshold`.
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        var pairs: [EmbeddingPair] = []
        for _ in 0..<100 {
            let u = (0..<128).map { _ in rng.nextGaussian() }
            let v = (0..<128).map { _ in rng.nextGaussian() }
            // Gram-Schmidt: w orthogonal to u, then b = cos·û + sin·ŵ.
            let nu = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let uh = u.map { $0 / nu }
            let proj = zip(v, uh).reduce(0) { $0 + $1.0 * $1.1 }
            let w = zip(v, uh).map { $0 - proj * $1 }
            let nw = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let sine = (1 - threshold * threshold).squareRoot()
            pairs.append(EmbeddingPair(uh, zip(uh, w).map { threshold * $0 + sine * $1 / nw }, same: false))
            pairs.append(EmbeddingPair(uh, uh, same: true))
        }
        try db.calibrate(pairs: pairs, options: CalibrationOptions(targetFMR: 0.1))
        let calibrated = try db.verificationThreshold()
        XCTAssertEqual(calibrated.source, .calibratedVerification)
        XCTAssertEqual(try XCTUnwrap(calibrated.threshold), threshold, accuracy: 1e-4)

        XCTAssertEqual(try db.enroll(photosAt: [first], identity: "jim", pipeline: cosinePipeline).accepted, 1)
        let batch = try db.enroll(photosAt: [stranger, same], identity: "jim", pipeline: cosinePipeline)
        XCTAssertEqual(batch.outcomes.map(\.accepted), [false, true], "\(batch.outcomes.map(\.issues))")
        let issue = try XCTUnwrap(batch.outcomes[0].issues.first)
        XCTAssertEqual(issue.kind, .identityMismatch)
        XCTAssertEqual(issue.measured ?? 0, Double(strangerCosine), accuracy: 1e-3, "the best cosine against jim's faces")
        XCTAssertLessThan(issue.measured ?? 1, issue.threshold ?? 0, "a cosine below the threshold is refused")
        XCTAssertTrue(issue.message.contains("cosine") && issue.message.contains("or more"), issue.message)
        XCTAssertEqual(try db.faces(of: "jim").count, 2)

        // The first photo again is skipped; replacing it passes the check against jim's other face.
        let again = try db.enroll(photosAt: [first], identity: "jim", pipeline: cosinePipeline)
        XCTAssertEqual([again.accepted, again.skipped], [0, 1])
        let third = try db.enroll(photosAt: [first], identity: "jim", pipeline: cosinePipeline, options: EnrollOptions(replace: true))
        XCTAssertTrue(third.outcomes[0].replaced, "\(third.outcomes.map(\.issues))")
        XCTAssertEqual(try db.faces(of: "jim").count, 2)
    }

    /// The pipeline's whole space must be the database's: a 128-D database of another model or
    /// compared by another metric refuses it, saying what differs.
    func testCheckPipelineComparesTheWholeEmbeddingSpace() throws {
        let photo = Self.photo("joe_biden", "president_portrait.jpg")
        let cases: [(String, EmbeddingSpace, String)] = [
            ("model", EmbeddingSpace(model: "arcface-128", dimension: 128, metric: .l2), "model"),
            ("metric", EmbeddingSpace(model: EmbeddingSpace.dlibResNet.model, dimension: 128, metric: .cosine), "metric"),
            ("ip", EmbeddingSpace(model: EmbeddingSpace.dlibResNet.model, dimension: 128, metric: .innerProduct), "metric"),
            ("normalize", EmbeddingSpace(model: EmbeddingSpace.dlibResNet.model, dimension: 128, metric: .l2, normalize: true), "normalize"),
        ]
        for (name, space, differs) in cases {
            let db = try FaceDatabase.create(at: directory.path("mismatch-\(name)"), space: space, options: quiet)
            defer { try? db.close() }
            XCTAssertThrowsError(try db.enroll(photosAt: [photo], identity: "j", pipeline: pipeline), name) { error in
                let e = error as? FaceDBError
                XCTAssertEqual(e?.code, .modelMismatch, "\(name): \(error)")
                XCTAssertTrue(e?.message.contains(differs) ?? false, "\(name): \(e?.message ?? "")")
                XCTAssertFalse(e?.remedy?.isEmpty ?? true, name)
            }
            XCTAssertThrowsError(try db.identify(photoAt: photo, pipeline: pipeline), name) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .modelMismatch, name)
            }
            XCTAssertEqual(db.faceCount, 0, name)
        }
        // The same model compared as the database does is accepted.
        let db = try FaceDatabase.create(
            at: directory.path("cosine-ok"),
            space: EmbeddingSpace(model: EmbeddingSpace.dlibResNet.model, dimension: 128, metric: .cosine), options: quiet)
        defer { try? db.close() }
        XCTAssertEqual(try db.enroll(photosAt: [photo], identity: "j", pipeline: pipeline.comparing(by: .cosine)).accepted, 1)
    }

    func testADatabaseOfOtherModelsRefusesThePipeline() throws {
        let other = try FaceDatabase.create(
            at: directory.path("wide"), space: EmbeddingSpace(model: "arcface", dimension: 512, metric: .cosine),
            options: quiet)
        XCTAssertThrowsError(try other.enroll(photosAt: [Self.photo("joe_biden", "president_portrait.jpg")], identity: "j", pipeline: pipeline)) {
            error in
            XCTAssertEqual((error as? FaceDBError)?.code, .modelMismatch)
        }
        try other.close()
        // Embeddings recorded as made by other model files.
        var db = try makeDatabase()
        XCTAssertEqual(try db.enroll(photosAt: [Self.photo("joe_biden", "president_portrait.jpg")], identity: "j", pipeline: pipeline).accepted, 1)
        try db.close()
        let store = try FaceStore.open(at: directory.path("db") + "/store")
        try store.setPipelineModelsDocument(Array(#"[{"role":"embedder","file":"other.dat","sha256":"\#(String(repeating: "0", count: 64))"}]"#.utf8))
        store.close()
        db = try FaceDatabase.open(at: directory.path("db"), options: quiet)
        XCTAssertThrowsError(try db.identify(photoAt: Self.photo("joe_biden", "senate_bioguide.jpg"), pipeline: pipeline)) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .modelMismatch)
            XCTAssertTrue((error as? FaceDBError)?.message.contains("other.dat") ?? false)
        }
        try db.close()
    }

    // MARK: - Photos as bytes and decoded images; enrolment as one write; async

    /// SHA-256 by the system's `sha256sum`, an oracle independent of FaceDB's digest.
    func systemSHA256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output.prefix(64), as: UTF8.self)
    }

    func testPhotosGivenAsBytesOrImagesAnswerAsFilesDo() throws {
        let db = try makeDatabase()
        let path = Self.photo("joe_biden", "president_portrait.jpg")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let before = try db.stats().sequence
        let enrolled = try db.enroll([.bytes(bytes, name: "upload-1")], identity: "joe_biden", pipeline: pipeline)
        XCTAssertEqual(enrolled.accepted, 1, "\(enrolled.outcomes.map(\.issues))")
        XCTAssertEqual(enrolled.outcomes[0].path, "upload-1")
        // One write: the new identity, its face and the pipeline's models together.
        XCTAssertEqual(try db.stats().sequence, before + 1)
        XCTAssertNotNil(try db.recordedPipelineModels())
        let face = try XCTUnwrap(try db.faces(of: "joe_biden").first)
        XCTAssertNil(face.source?.path, "bytes have no path to record")
        XCTAssertEqual(face.source?.imageSHA256, try systemSHA256(path))
        XCTAssertEqual(face.embedding, try XCTUnwrap(try pipeline.analyze(photoAt: path).largestFace).embedding)

        let probe = Self.photo("joe_biden", "senate_bioguide.jpg")
        let probeBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: probe)))
        let byPath = try db.identify(photoAt: probe, pipeline: pipeline)
        let byBytes = try db.identify(.bytes(probeBytes, name: "probe"), pipeline: pipeline)
        XCTAssertNil(byBytes.path)
        XCTAssertEqual(byBytes.sha256, byPath.sha256)
        XCTAssertEqual(byBytes.faces.map { $0.identification.matches.map(\.score) }, byPath.faces.map { $0.identification.matches.map(\.score) })
        XCTAssertEqual(byBytes.faces.first?.identification.identity, "joe_biden")
        let image = try ImageDecoder().decode(probeBytes, source: "probe")
        XCTAssertEqual(
            try db.verify(.image(image, name: "probe"), identity: "joe_biden", pipeline: pipeline).score,
            try db.verify(photoAt: probe, identity: "joe_biden", pipeline: pipeline).score)
        XCTAssertEqual(
            try db.verify(.data(Data(probeBytes), name: "a"), .file(path), pipeline: pipeline).score,
            try db.verify(photoAt: probe, photoAt: path, pipeline: pipeline).score)

        // Bytes that are no photo are refused by name, and a refused enrolment writes nothing.
        let sequence = try db.stats().sequence
        let refused = try db.enroll([.bytes(Array("not a photo".utf8), name: "upload-2")], identity: "nobody", pipeline: pipeline)
        XCTAssertEqual(refused.accepted, 0)
        XCTAssertEqual(refused.outcomes[0].issues.map(\.kind), [.unreadable])
        XCTAssertTrue(refused.outcomes[0].issues[0].message.contains("upload-2"), refused.outcomes[0].issues[0].message)
        XCTAssertNil(try db.identity("nobody"))
        XCTAssertEqual(try db.stats().sequence, sequence)
        try db.close()
    }

    func testAsyncEnrolmentAnswersAsTheBlockingOneAndACancelledOneWritesNothing() async throws {
        let db = try makeDatabase()
        let photos = [Self.photo("deb_haaland", "congress_photo_a_older.jpg"), Self.photo("deb_haaland", "congress_photo_b_current.jpg")]
        let awaited = try await db.enroll(photos.map(Photo.file), identity: "deb_haaland", pipeline: pipeline)
        XCTAssertEqual(awaited.accepted, 2)
        let stored = try db.faces(of: "deb_haaland").map(\.embedding)
        let direct = try photos.map { try XCTUnwrap(try pipeline.analyze(photoAt: $0).largestFace).embedding }
        // Embedded together in one batch, the two differ from one-at-a-time descriptors by float
        // rounding only (the engine agrees with dlib within 4e-7 either way).
        for face in stored {
            let closest = direct.map { zip($0, face).map { abs($0 - $1) }.max()! }.min()!
            XCTAssertLessThan(closest, 1e-5)
        }

        let shared: FacePipeline = pipeline
        let jim: [Photo] = [.file(Self.photo("jim_costa", "congress_photo_a_older.jpg"))]
        let result: Result<Enrollment, any Error> = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await db.enroll(jim, identity: "jim_costa", pipeline: shared)
        }.result
        XCTAssertEqual((result.failureValue as? FaceDBError)?.code, .cancelled)
        XCTAssertNil(try db.identity("jim_costa"))
        try await db.close()
    }
}
