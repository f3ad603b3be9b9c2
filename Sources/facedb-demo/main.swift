// The main job on an embedded default database, end to end, on real photos (run by Tools/demo):
// enrol one photo of each person who has several, identify their other photos, a stranger and a
// photo with no face, verify pairs, and draw who was found on a copy of a photo.
//
//   facedb-demo DATABASE PHOTOS-DIR     (photos named faces__<person>__<photo>.jpg, as in the fixtures)
import FaceDB
import FaceDBPhotos
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: facedb-demo DATABASE PHOTOS-DIR\n".utf8))
    exit(2)
}
let path = arguments[1]
let photos = arguments[2]
func seconds(since start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }

do {
    // The demo recreates only a database it made itself (marked with demoMarker): it never removes
    // a directory it did not create.
    let demoMarker = path + "/.facedb-demo"
    if FileManager.default.fileExists(atPath: path) {
        guard FileManager.default.fileExists(atPath: demoMarker) else {
            throw FaceDBError(
                .refusedOutput, "\(path) exists and was not made by facedb-demo; the demo does not replace it.",
                remedy: "Give a new path, or remove \(path) yourself.", path: path)
        }
        try FileManager.default.removeItem(atPath: path)
    }
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // Who is in which photo: the fixtures' file names say it.
    var byPerson: [String: [String]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: photos).sorted() where name.hasPrefix("faces__") {
        let parts = name.components(separatedBy: "__")
        byPerson[parts[1], default: []].append(photos + "/" + name)
    }
    let enrolled = byPerson.filter { $0.value.count >= 2 }.keys.sorted()
    let strangers = byPerson.filter { $0.value.count == 1 }.keys.sorted()

    var start = Date()
    let pipeline = try FacePipeline()
    print("Loaded dlib's detector, landmark and embedding models in \(seconds(since: start)).")
    let db = try FaceDatabase.create(at: path, space: .dlibResNet)
    try OutputFile.write(Array("made by facedb-demo, which recreates this directory on each run\n".utf8), to: demoMarker)
    print("Created \(path) (128-D dlib descriptors, L2).")

    start = Date()
    var enrolledPhotos = 0
    for person in enrolled {
        let enrollment = try db.enroll(photosAt: [byPerson[person]!.last!], identity: person, pipeline: pipeline)
        enrolledPhotos += enrollment.accepted
        for outcome in enrollment.outcomes where !outcome.accepted {
            print("  refused \(outcome.path): \(outcome.issues.map(\.description).joined(separator: "; "))")
        }
    }
    print("Enrolled \(enrolledPhotos) people, one photo each, in \(seconds(since: start)).")

    func show(_ photo: String, expected: String) throws {
        let result = try db.identify(photoAt: photo, pipeline: pipeline)
        let name = (photo as NSString).lastPathComponent
        guard !result.faces.isEmpty else {
            print(String(format: "  %-58@ no face%@", name, expected == "no face" ? " ✓" : " ✗ (expected \(expected))"))
            return
        }
        for face in result.faces {
            let answer = face.identification
            let who = answer.identity ?? answer.decision.rawValue
            let score = answer.matches.first.map { String(format: "%.3f", $0.score) } ?? "-"
            print(String(format: "  %-58@ %@ (distance %@)%@", name, who, score, who == expected ? " ✓" : " ✗ (expected \(expected))"))
        }
    }
    start = Date()
    print("Who is this? (threshold: dlib's 0.6; nobody here is calibrated yet)")
    for person in enrolled {
        for photo in byPerson[person]!.dropLast() { try show(photo, expected: person) }
    }
    for person in strangers.prefix(4) { try show(byPerson[person]![0], expected: "unknown") }
    for other in ["other__obama_exif_orientation6.jpg", "other__chelsea.png"] where FileManager.default.fileExists(atPath: photos + "/" + other) {
        try show(photos + "/" + other, expected: other.contains("obama") ? "barack_obama" : "no face")
    }
    print("Identified in \(seconds(since: start)).")

    if let a = byPerson["joe_biden"], a.count >= 2, let b = byPerson["al_gore"]?.first {
        print("Is this the same person?")
        for (x, y) in [(a[0], a[1]), (a[0], b)] {
            let v = try db.verify(photoAt: x, photoAt: y, pipeline: pipeline)
            print(
                String(
                    format: "  %@ vs %@: distance %.3f → %@", (x as NSString).lastPathComponent, (y as NSString).lastPathComponent,
                    v.score, v.decision == .match ? "same person" : "different people"))
        }
    }
    if let photo = byPerson["barack_obama"]?.first {
        let result = try db.identify(photoAt: photo, pipeline: pipeline)
        let image = try pipeline.decoder.decode(contentsOf: photo)
        let output = (path as NSString).deletingLastPathComponent + "/demo-annotated.png"
        try OutputPathGuard(inputs: [photo], databases: [path], force: true).check(output, what: "The annotated photo")
        try Annotator.write(
            image,
            faces: result.faces.map {
                FaceAnnotation(
                    rectangle: $0.face.detection.rectangle, landmarks: $0.face.landmarks,
                    label: $0.identification.identity ?? $0.identification.decision.rawValue)
            }, to: output)
        print("Drew who was found on a copy of \((photo as NSString).lastPathComponent): \(output)")
    }
    try db.close()
} catch let error as FaceDBError {
    FileHandle.standardError.write(Data("error: \(error.message)\n  \(error.remedy ?? "")\n".utf8))
    exit(1)
}
