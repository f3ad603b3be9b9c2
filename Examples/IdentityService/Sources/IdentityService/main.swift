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

let pipeline = try FacePipeline()
let decoder = ImageDecoder()

/// The embedding of the one face in a photo's bytes.
func embedding(of bytes: [UInt8], name: String) throws -> [Float] {
    let analysis = try pipeline.analyze(image: try decoder.decode(bytes, source: name))
    guard let face = analysis.largestFace else {
        throw FaceDBError(.invalidArgument, "No face in \(name).")
    }
    return face.embedding
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("identity-service-\(getpid())").path
let db = try FaceDatabase.create(at: directory, space: .dlibResNet, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
defer {
    try? db.close()
    try? FileManager.default.removeItem(atPath: directory)  // the directory this program made
}

// Enrol one photo of each person.
let people = [
    ("deb_haaland", "faces__deb_haaland__congress_photo_a_older.jpg", "faces__deb_haaland__congress_photo_b_current.jpg"),
    ("jim_costa", "faces__jim_costa__congress_photo_a_older.jpg", "faces__jim_costa__congress_photo_b_current.jpg"),
    ("ed_case", "faces__ed_case__congress_photo_a_older.jpg", "faces__ed_case__congress_photo_b_current.jpg"),
]
for (person, enrolled, _) in people {
    try db.addIdentity(person)
    try db.addFaces([NewFace(identity: person, embedding: try embedding(of: try upload(enrolled), name: enrolled))])
}

// Identify each person's other photo, and verify it against the right and a wrong identity.
var failures = 0
for (i, (person, _, probe)) in people.enumerated() {
    let vector = try embedding(of: try upload(probe), name: probe)
    let answer = try db.identify(vector)
    let same = try db.verify(vector, identity: person)
    let other = try db.verify(vector, identity: people[(i + 1) % people.count].0)
    let ok = answer.identity == person && same.decision == .match && other.decision != .match
    if !ok { failures += 1 }
    print("\(probe): identified as \(answer.identity ?? "unknown") (\(answer.decision)); same person: \(same.decision), another: \(other.decision)\(ok ? "" : "  <- wrong")")
}
print(failures == 0 ? "ok: every answer is right" : "\(failures) wrong answers")
exit(failures == 0 ? 0 : 1)
