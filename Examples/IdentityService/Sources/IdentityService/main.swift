// Enrol → identify → verify on photos given as bytes (as a service receives them), with FaceDB as a
// versioned dependency.
//   IdentityService PHOTOS-DIRECTORY
// The directory holds FaceDB's fixture portraits (`faces__<person>__<photo>.jpg`). Exits 0 when every
// answer is the expected one, 1 otherwise.
import FaceDB
import FaceDBPhotos
import Foundation

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: IdentityService PHOTOS-DIRECTORY\n".utf8))
    exit(64)
}
let photos = CommandLine.arguments[1]

/// What a client sent: the photo's bytes.
func upload(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: photos + "/" + name)))
}

/// The service's work, in an async function as a server's handlers are: there Swift picks FaceDB's
/// async overloads, which run on FaceDB's threads (top-level code would pick the blocking calls).
func run() async throws -> Int {
    let pipeline = try FacePipeline()

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("identity-service-\(getpid())").path
    let db = try await FaceDatabase.create(at: directory, space: .dlibResNet)

    // Enrol one photo of each person, as the bytes a client uploaded: the same quality gate and
    // identity check as for files; the identity is created by the enrolment's one write.
    let people = [
        ("deb_haaland", "faces__deb_haaland__congress_photo_a_older.jpg", "faces__deb_haaland__congress_photo_b_current.jpg"),
        ("jim_costa", "faces__jim_costa__congress_photo_a_older.jpg", "faces__jim_costa__congress_photo_b_current.jpg"),
        ("ed_case", "faces__ed_case__congress_photo_a_older.jpg", "faces__ed_case__congress_photo_b_current.jpg"),
    ]
    var failures = 0
    for (person, enrolled, _) in people {
        let enrollment = try await db.enroll([.bytes(try upload(enrolled), name: enrolled)], identity: person, pipeline: pipeline)
        if enrollment.accepted != 1 {
            failures += 1
            print("\(enrolled): refused: \(enrollment.outcomes.flatMap(\.issues).map(\.message))")
        }
    }

    // Identify each person's other photo, and verify it against the right and a wrong identity.
    for (i, (person, _, probe)) in people.enumerated() {
        let photo = Photo.bytes(try upload(probe), name: probe)
        let answer = try await db.identify(photo, pipeline: pipeline)
        let identified = answer.faces.first?.identification
        let same = try await db.verify(photo, identity: person, pipeline: pipeline)
        let other = try await db.verify(photo, identity: people[(i + 1) % people.count].0, pipeline: pipeline)
        let ok = identified?.identity == person && same.decision == .match && other.decision != .match
        if !ok { failures += 1 }
        print(
            "\(probe): identified as \(identified?.identity ?? "unknown") (\(identified.map { "\($0.decision)" } ?? "no face")); "
                + "same person: \(same.decision), another: \(other.decision)\(ok ? "" : "  <- wrong")")
    }
    try await db.close()
    try? FileManager.default.removeItem(atPath: directory)  // the directory this program made
    print(failures == 0 ? "ok: every answer is right" : "\(failures) wrong answers")
    return failures
}

exit(try await run() == 0 ? 0 : 1)
