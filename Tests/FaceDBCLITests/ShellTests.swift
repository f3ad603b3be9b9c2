import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

/// `facedb shell` end to end: the built binary with a script on a pipe, checked against answers the
/// test computes itself from the vectors it generated.
final class ShellTests: XCTestCase {
    /// A fresh database of `dimension`-D L2 embeddings made with `facedb create`.
    private func createDatabase(_ dir: TemporaryDirectory, dimension: Int) throws -> String {
        let path = dir.path("people.facedb")
        let r = try runFacedb(["create", path, "--model", "test-model", "--dim", "\(dimension)", "--metric", "l2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path
    }

    private func shell(_ db: String, _ script: String, _ flags: String...) throws -> FacedbRun {
        try runFacedb(["shell", db] + flags, input: script)
    }

    private static func inline(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }

    /// The gallery every end-to-end test starts from: 12 identities of 3 faces, in three teams.
    private struct Gallery {
        var ids: [String]
        var faces: [[Float]]
        var owners: [Int]
        var teams: [String]
        var data: SyntheticEmbeddings

        init(dimension: Int, generator: inout SeededGenerator) {
            data = SyntheticEmbeddings(dimension: dimension, identities: 12, withinSpread: 0.3, generator: &generator)
            ids = (0..<12).map { $0 == 5 ? "Zoë Ångström" : "p\($0)" }
            teams = (0..<12).map { ["blue", "green", "red"][$0 % 3] }
            faces = []
            owners = []
            for p in 0..<12 {
                for _ in 0..<3 {
                    faces.append(data.face(of: p, generator: &generator))
                    owners.append(p)
                }
            }
        }

        /// The script that adds the gallery through the shell.
        var script: String {
            var lines: [String] = []
            for (p, id) in ids.enumerated() {
                lines.append("add identity \("\"\(id)\"") name \"Person \(p)\" meta {\"team\": \"\(teams[p])\", \"floor\": \(p % 4)}")
            }
            for (i, face) in faces.enumerated() {
                lines.append("add face \("\"\(ids[owners[i]])\"") \(ShellTests.inline(face))")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// The identities nearest to `probe` by their best face, with that distance, computed by brute force.
        func ranking(_ probe: [Float]) -> [(id: String, score: Float)] {
            let flat = faces.flatMap { $0 }
            let hits = BruteForce.search(
                probe, in: flat, ids: faces.indices.map { Int64($0) }, dimension: data.dimension,
                metric: .l2, k: faces.count)
            var seen = Set<Int>()
            var out: [(String, Float)] = []
            for hit in hits where seen.insert(owners[Int(hit.id)]).inserted { out.append((ids[owners[Int(hit.id)]], hit.score)) }
            return out
        }
    }

    func testScriptAddsFacesAndIdentifiesLikeBruteForce() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 16)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let seed = "seed \(rng.seed)"
        let gallery = Gallery(dimension: 16, generator: &rng)
        var r = try shell(db, gallery.script, "--json")
        XCTAssertEqual(r.status, 0, r.stderr + seed)
        let changes = try jsonLines(r.stdout)
        XCTAssertEqual(changes.count, 12 + 36)
        XCTAssertEqual(changes.filter { ($0["faces"] as? [Any])?.count == 1 }.count, 36, "one face id per `add face`")

        // Probes near some identities and far from all; the answer must be the brute-force ranking.
        var probes: [[Float]] = (0..<8).map { _ in gallery.data.face(of: Int(rng.next() % 12), generator: &rng) }
        probes.append((0..<16).map { _ in rng.nextGaussian() * 3 })
        let script = probes.map { "identify \(Self.inline($0)) k 3" }.joined(separator: "\n")
        r = try shell(db, script, "--json")
        XCTAssertEqual(r.status, 0, r.stderr + seed)
        let answers = try jsonLines(r.stdout)
        XCTAssertEqual(answers.count, probes.count)
        for (probe, answer) in zip(probes, answers) {
            let expected = gallery.ranking(probe).prefix(3)
            let matches = try XCTUnwrap(answer["matches"] as? [[String: Any]])
            XCTAssertEqual(matches.compactMap { $0["identity"] as? String }, expected.map(\.id), seed)
            for (m, e) in zip(matches, expected) {
                XCTAssertEqual((m["score"] as? Double) ?? -1, Double(e.score), accuracy: 1e-4, seed)
            }
        }

        // The same through a file of probes: one answer per line, in order.
        let probeFile = dir.path("probes.txt")
        try probes.map { $0.map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n").write(
            toFile: probeFile, atomically: true, encoding: .utf8)
        r = try shell(db, "set format json\nset k 1\nidentify @\(probeFile)\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let printed = try jsonLines(r.stdout)
        XCTAssertEqual(printed.first?["format"] as? String, "json", "set prints what it set, already as JSON")
        XCTAssertEqual(printed.dropFirst().first?["k"] as? String, "1")
        let fromFile = printed.filter { $0["matches"] != nil }
        XCTAssertEqual(
            fromFile.compactMap { (($0["matches"] as? [[String: Any]])?.first?["identity"]) as? String },
            probes.map { gallery.ranking($0)[0].id }, seed)
    }

    func testVerifyAgainstIdentityAndEmbedding() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 8)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let seed = "seed \(rng.seed)"
        let gallery = Gallery(dimension: 8, generator: &rng)
        XCTAssertEqual(try shell(db, gallery.script).status, 0)
        let probe = gallery.data.face(of: 5, generator: &rng)
        let other = gallery.data.face(of: 2, generator: &rng)
        let script = """
            verify \(Self.inline(probe)) "Zoë Ångström"
            verify \(Self.inline(probe)) \(other.map { "\($0)" }.joined(separator: ",")) threshold 100
            verify \(Self.inline(probe)) p2 threshold 0.0001
            """
        let r = try shell(db, script, "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try jsonLines(r.stdout)
        XCTAssertEqual(results.count, 3)
        // Best-face fusion: the smallest distance to the identity's three faces.
        let own = gallery.faces.indices.filter { gallery.owners[$0] == 5 }.map {
            EmbeddingSpace(model: "m", dimension: 8, metric: .l2).score(probe, gallery.faces[$0])
        }
        XCTAssertEqual((results[0]["score"] as? Double) ?? -1, Double(own.min()!), accuracy: 1e-4, seed)
        let pair = EmbeddingSpace(model: "m", dimension: 8, metric: .l2).score(probe, other)
        XCTAssertEqual((results[1]["score"] as? Double) ?? -1, Double(pair), accuracy: 1e-4, seed)
        XCTAssertEqual(results[1]["decision"] as? String, "match", "a threshold of 100 accepts any L2 distance here")
        XCTAssertEqual(results[2]["decision"] as? String, "unknown", "a threshold of 0.0001 rejects: \(results[2]) \(seed)")
        XCTAssertEqual(results[2]["thresholdSource"] as? String, "caller")
    }

    func testShowListFindRemoveAndStats() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 8)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let gallery = Gallery(dimension: 8, generator: &rng)
        XCTAssertEqual(try shell(db, gallery.script).status, 0)
        var r = try shell(
            db,
            """
            show "Zoë Ångström"
            list p1
            find team=blue
            find floor=2 team!=red
            find @name~"person 1" limit 2
            """, "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        var results = try jsonLines(r.stdout)
        XCTAssertEqual(results.count, 5)
        let shown = try XCTUnwrap(results[0]["identity"] as? [String: Any])
        XCTAssertEqual(shown["id"] as? String, "Zoë Ångström")
        XCTAssertEqual(shown["displayName"] as? String, "Person 5")
        XCTAssertEqual((results[0]["faces"] as? [Any])?.count, 3)
        func ids(_ result: [String: Any]) -> [String] {
            ((result["identities"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        }
        // Identities are listed in byte order of their ids.
        let sorted = { (xs: [String]) in xs.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
        XCTAssertEqual(ids(results[1]), ["p1", "p10", "p11"])
        XCTAssertEqual(ids(results[2]), sorted(gallery.ids.indices.filter { gallery.teams[$0] == "blue" }.map { gallery.ids[$0] }))
        XCTAssertEqual(ids(results[3]), sorted(gallery.ids.indices.filter { $0 % 4 == 2 && gallery.teams[$0] != "red" }.map { gallery.ids[$0] }))
        XCTAssertEqual(ids(results[4]), ["p1", "p10"], "case-insensitive substring of the name, at most 2")

        // Remove one face of p3 and all of p4; the counts follow.
        let faceIDs = ((results[0]["faces"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
        XCTAssertEqual(faceIDs.count, 3)
        r = try shell(db, "remove face \(faceIDs[0])\nremove identity p4\nshow \"Zoë Ångström\"\nstats\n", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        results = try jsonLines(r.stdout)
        XCTAssertEqual(((results[0]["faces"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.int64Value }, [faceIDs[0]])
        XCTAssertEqual((results[1]["faces"] as? [Any])?.count, 3)
        XCTAssertEqual(
            ((results[2]["faces"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }, Array(faceIDs.dropFirst()))
        let stats = try XCTUnwrap(results[3]["database"] as? [String: Any])
        XCTAssertEqual(stats["identities"] as? Int, 11)
        XCTAssertEqual(stats["faces"] as? Int, 36 - 1 - 3)
        XCTAssertEqual(stats["indexedVectors"] as? Int, 32)
        XCTAssertEqual((stats["index"] as? [String: Any])?["kind"] as? String, "flat")
        XCTAssertNotNil(stats["indexMemory"] as? Int)
        XCTAssertNil(results[3]["calibration"], "not calibrated yet")

        // The same as tables: aligned columns, UTF-8 ids included.
        r = try shell(db, "list\nstats\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first { $0.hasPrefix("id ") })
        // Every character here is one column wide, so counting characters measures columns.
        let column = header[..<header.range(of: "faces")!.lowerBound].count
        let zoe = try XCTUnwrap(lines.first { $0.hasPrefix("Zoë Ångström") })
        let zoeFaces = zoe[..<zoe.range(of: "  2  ")!.lowerBound].count + 2
        XCTAssertEqual(zoeFaces, column, "the faces column lines up:\n\(r.stdout)")
        XCTAssertTrue(r.stdout.contains("(11 identities)"), r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("faces") && $0.hasSuffix(" 32") }, r.stdout)
        XCTAssertTrue(r.stdout.contains("index memory"), r.stdout)
    }

    /// `update identity`, `rename identity` and `search face` through the shell, checked against
    /// the library's view of the database and a brute-force ranking.
    func testUpdateRenameAndSearchFace() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 8)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let gallery = Gallery(dimension: 8, generator: &rng)
        XCTAssertEqual(try shell(db, gallery.script).status, 0)
        var r = try shell(db, "show p0\n", "--json")
        let p0 = (try jsonLines(r.stdout)[0]["faces"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
        let first = try XCTUnwrap(p0.first)
        XCTAssertEqual(p0, [first, first + 1, first + 2], "faces get ids in the order added")
        r = try shell(
            db,
            """
            update identity p2 name "Pat" gallery vip
            rename identity p2 patricia
            show patricia
            search face \(first) k 4
            """, "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try jsonLines(r.stdout)
        XCTAssertEqual(results[0]["action"] as? String, "updated")
        XCTAssertEqual(results[1]["action"] as? String, "renamed")
        XCTAssertEqual((results[1]["faces"] as? [Any])?.count, 3)
        let shown = try XCTUnwrap(results[2]["identity"] as? [String: Any])
        XCTAssertEqual(shown["displayName"] as? String, "Pat")
        XCTAssertEqual(shown["galleries"] as? [String], ["vip"])
        // p0's first face: its neighbours by brute force, itself left out.
        let others = Array(gallery.faces.dropFirst())
        let expected = BruteForce.search(
            gallery.faces[0], in: others.flatMap { $0 }, ids: others.indices.map { first + 1 + Int64($0) }, dimension: 8, metric: .l2, k: 4
        ).map(\.id)
        let matches = try XCTUnwrap(results[3]["matches"] as? [[String: Any]])
        XCTAssertEqual(matches.compactMap { ($0["face_id"] as? NSNumber)?.int64Value }, Array(expected), "seed \(rng.seed)")
        XCTAssertEqual(matches.first?["identity"] as? String, "p0")
        // Mistakes name what is wrong.
        r = try shell(db, "rename identity p3 patricia\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'patricia' already exists"), r.stderr)
        r = try shell(db, "search face 999\n")
        XCTAssertTrue(r.stderr.contains("999"), r.stderr)
        r = try shell(db, "identify \(ShellTests.inline(gallery.faces[0])) gallery nosuch\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'nosuch'"), r.stderr)
    }

    func testCalibrateThenStatsShowsTheOperatingPoint() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 8)
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let gallery = Gallery(dimension: 8, generator: &rng)
        XCTAssertEqual(try shell(db, gallery.script).status, 0)
        let r = try shell(db, "calibrate fmr 0.05\nstats\n", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try jsonLines(r.stdout)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results[0]["stored"] as? Bool, true)
        let point = try XCTUnwrap(results[0]["operatingPoint"] as? [String: Any])
        let calibration = try XCTUnwrap(results[1]["calibration"] as? [String: Any])
        XCTAssertEqual(calibration["verificationThreshold"] as? Double, point["verificationThreshold"] as? Double)
        XCTAssertEqual(calibration["targetFMR"] as? Double, 0.05)
        XCTAssertEqual(results[1]["thresholdSource"] as? String, "calibrated-1:1")
    }

    func testAScriptStopsAtTheFirstErrorWithItsLineNumber() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 4)
        var r = try shell(db, "add identity ada\n\n# comment\nidnetify [1, 2, 3, 4]\nadd identity bob\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("line 4:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Unknown command 'idnetify'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Did you mean 'identify'?"), r.stderr)
        XCTAssertEqual(r.stdout, "added identity 'ada'\n", "nothing after the failed line runs")

        r = try shell(db, "add face ada [1, 2, 3]\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("line 1:") && r.stderr.contains("3 dimensions") && r.stderr.contains("4-dimensional"), r.stderr)

        r = try shell(db, "show nobody\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("No identity with id 'nobody'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("add the identity first"), "the remedy is shown: \(r.stderr)")

        r = try shell(db, "verify [1, 0, 0, 0] nobody\nlist\n", "--continue-on-error")
        XCTAssertEqual(r.status, 1, "a failed line still fails the run")
        XCTAssertTrue(r.stderr.contains("line 1:") && r.stderr.contains("nobody"), r.stderr)
        XCTAssertTrue(r.stdout.contains("ada") && r.stdout.contains("(1 identity)"), "the script went on: \(r.stdout)")

        r = try shell(db, "set continue on\nremove identity ghost\nadd identity \"quoted id\"\nset continue off\nremove face 999\nlist\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("line 2:") && r.stderr.contains("line 5:"), r.stderr)
        XCTAssertTrue(r.stdout.contains("added identity 'quoted id'"), r.stdout)
        XCTAssertFalse(r.stdout.contains("identities)"), "the script stopped at line 5: \(r.stdout)")

        r = try shell(db, "add identity \"unterminated\n")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("not closed"), r.stderr)

        r = try shell(db, "list\nquit\nadd identity after-quit\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try shell(db, "list after\n")
        XCTAssertTrue(r.stdout.contains("(0 identities)"), "nothing ran after quit: \(r.stdout)")
    }

    func testHelpForEveryCommandHasUsageAndAnExample() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 4)
        let names = [
            "identify", "verify", "show", "list", "find", "add", "update", "rename", "search", "remove", "stats", "calibrate", "set", "help", "quit",
        ]
        let r = try shell(db, (["help"] + names.map { "help \($0)" }).joined(separator: "\n"))
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in names {
            XCTAssertTrue(r.stdout.contains("usage: \(name)"), "help \(name): \(r.stdout)")
        }
        XCTAssertEqual(r.stdout.components(separatedBy: "example:").count - 1, 17, "one example block per command")
        let bad = try shell(db, "help idnetify\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("'identify'"), bad.stderr)
        let cli = try runFacedb(["shell", "--help"])
        XCTAssertEqual(cli.status, 0)
        XCTAssertTrue(cli.stdout.contains("Example") && cli.stdout.contains("facedb shell"), cli.stdout)
    }

    func testAddFacesFromAFileInOneWriteAndCreateTheIdentity() throws {
        let dir = TemporaryDirectory("shell")
        let db = try createDatabase(dir, dimension: 3)
        try "1 0 0\n\n0,1,0\n[0, 0, 1]\n".write(toFile: dir.path("faces.txt"), atomically: true, encoding: .utf8)
        try "1 0 0\n1 2\n".write(toFile: dir.path("bad.txt"), atomically: true, encoding: .utf8)
        var r = try shell(db, "add face carol @\(dir.path("faces.txt"))\n")
        XCTAssertEqual(r.status, 1, "carol does not exist yet")
        XCTAssertTrue(r.stderr.contains("carol"), r.stderr)
        r = try shell(db, "add face carol @\(dir.path("faces.txt")) create meta {\"camera\": \"lobby\"}\nshow carol\n", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try jsonLines(r.stdout)
        XCTAssertEqual((results[0]["faces"] as? [Any])?.count, 3)
        let faces = try XCTUnwrap(results[1]["faces"] as? [[String: Any]])
        XCTAssertEqual(faces.compactMap { ($0["metadata"] as? [String: Any])?["camera"] as? String }, ["lobby", "lobby", "lobby"])
        r = try shell(db, "add face carol @\(dir.path("bad.txt"))\nstats\n", "--json", "--continue-on-error")
        XCTAssertTrue(r.stderr.contains("line 2 of"), "the file line is named: \(r.stderr)")
        let stats = try jsonLines(r.stdout).last?["database"] as? [String: Any]
        XCTAssertEqual(stats?["faces"] as? Int, 3, "one bad line refuses the whole file")
    }
}
