// The main job on an embedded default database, end to end (run by Tools/demo):
// create a database, bulk-add a gallery, calibrate its thresholds, identify enrolled people and
// strangers, verify pairs.
// Until the photo pipeline lands, the gallery is synthetic: 128-D embeddings clustered per person.
import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation

let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "facedb-demo-db"
let people = 2_000
let facesPerPerson = 5
let dimension = 128
func say(_ text: String) { print(text) }
func seconds(since start: Date) -> String { String(format: "%.2f s", Date().timeIntervalSince(start)) }

do {
    if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    var rng = SeededGenerator(seed: 2026)
    // Faces of one person spread about as widely as people differ: the score distributions overlap a
    // little, as with real photos, so the thresholds matter.
    let gallery = SyntheticEmbeddings(dimension: dimension, identities: people + 10, withinSpread: 1.1, generator: &rng)

    let space = EmbeddingSpace(model: "synthetic-128", dimension: dimension, metric: .l2)
    let db = try FaceDatabase.create(at: path, space: space, index: IndexConfiguration(kind: .hnsw))
    say("Created \(path): \(space.dimension)-D \(space.metric.rawValue) embeddings, index \(IndexConfiguration(kind: .hnsw)).")

    var start = Date()
    for person in 0..<people {
        try db.addIdentity("person-\(person)", displayName: "Person \(person)", galleries: [person % 2 == 0 ? "staff" : "visitors"])
    }
    var batch: [NewFace] = []
    for person in 0..<people {
        for _ in 0..<facesPerPerson {
            batch.append(NewFace(identity: "person-\(person)", embedding: gallery.face(of: person, generator: &rng)))
        }
        if batch.count >= 5_000 { try db.addFaces(batch); batch.removeAll() }
    }
    try db.addFaces(batch)
    say("Enrolled \(db.identityCount) people with \(db.faceCount) faces in \(seconds(since: start)).")

    start = Date()
    let report = try db.calibrate(CalibrationOptions(targetFMR: 1e-3, targetFPIR: 1e-2))
    let point = report.operatingPoint
    say(String(format: "\nCalibrated in %@ on %d genuine and %d impostor pairs: EER %.4f;", seconds(since: start),
               report.roc.genuineCount, report.roc.impostorCount, report.equalErrorRate.rate))
    say(String(format: "  1:1 threshold %.3f at FMR %.0e (FNMR %.4f)", point.verificationThreshold, point.targetFMR, point.fnmr))
    if let t = point.identificationThreshold, let g = point.galleryIdentities {
        say(String(format: "  1:N threshold %.3f keeps FPIR ≤ 1%% for %d enrolled people", t, g))
    }

    say("\nWho is this? (1:N, top 3 identities)")
    start = Date()
    var probes: [(String, [Float])] = (0..<5).map { i in
        let person = i * 397 % people
        return ("a new photo of person-\(person)", gallery.face(of: person, generator: &rng))
    }
    probes += (0..<3).map { i in ("a stranger #\(i + 1)", gallery.face(of: people + i, generator: &rng)) }
    let answers = try db.identify(batch: probes.map(\.1), options: IdentificationOptions(k: 3))
    for ((label, _), answer) in zip(probes, answers) {
        let verdict = answer.identity.map { "→ \($0)" } ?? "→ \(answer.decision.rawValue)"
        let list = answer.matches.map { String(format: "%@ %.2f", $0.identity, $0.score) }.joined(separator: ", ")
        say("  \(label.padding(toLength: 28, withPad: " ", startingAt: 0)) \(verdict.padding(toLength: 20, withPad: " ", startingAt: 0)) [\(list)]")
    }
    say("  (\(probes.count) probes in \(seconds(since: start)), threshold \(answers[0].threshold.map { String(format: "%.3f", $0) } ?? "none") from \(answers[0].thresholdSource.rawValue))")

    say("\nOnly among staff (gallery filter):")
    let visitor = try db.identify(gallery.face(of: 1, generator: &rng), options: IdentificationOptions(k: 1, filter: SearchFilter(galleries: ["staff"])))
    say(String(format: "  a photo of person-1 (a visitor) among staff: closest %@ at %.2f → %@",
               visitor.matches[0].identity, visitor.matches[0].score, visitor.decision.rawValue))

    say("\nIs this the same person? (1:1)")
    for (label, probe, claimed) in [
        ("person-42's photo vs person-42", gallery.face(of: 42, generator: &rng), "person-42"),
        ("person-42's photo vs person-43", gallery.face(of: 42, generator: &rng), "person-43"),
    ] {
        let v = try db.verify(probe, identity: claimed)
        let fmr = v.estimatedFMRText ?? "n/a"
        say(String(format: "  %@: distance %.2f → %@ (estimated false-match rate of this score: %@)", label, v.score,
                   v.decision == .match ? "same person" : "different people", fmr))
    }

    let stats = try db.stats()
    try db.close()
    say("\nDatabase: \(stats.identities) identities, \(stats.faces) faces, \(stats.sizeOnDisk / 1024) KiB on disk, index \(stats.indexState).")
    say("Inspect it with: swift run facedb stats \(path)")
} catch {
    FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
    exit(1)
}
