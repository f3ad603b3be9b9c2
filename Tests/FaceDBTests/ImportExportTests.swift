import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

/// Bulk import and export through the library. The files are written by the tests themselves
/// (text by hand, `.npy` bytes by a minimal encoder here), so the readers are checked against an
/// independent writer; the oracle for what is stored is the list of rows the test generated.
final class ImportExportTests: XCTestCase {
    var directory: TemporaryDirectory!
    let quiet = DatabaseOptions(logger: DatabaseOptions.silentLogger)

    override func setUp() { directory = TemporaryDirectory("import") }
    override func tearDown() { directory = nil }

    struct Row {
        var identity: String
        var faceID: Int64?
        var embedding: [Float]
        var metadata: JSONValue?
    }

    func rows(_ count: Int, dimension: Int, identities: Int, withIDs: Bool, rng: inout SeededGenerator) -> [Row] {
        var out: [Row] = []
        for i in 0..<count {
            let embedding: [Float] = (0..<dimension).map { _ in rng.nextGaussian() }
            let metadata: JSONValue? = i % 4 == 0 ? JSONValue.object(["n": .number(Double(i))]) : nil
            let faceID: Int64? = withIDs ? Int64(1_000 + i * 3) : nil
            out.append(Row(identity: "person-\(i % identities)", faceID: faceID, embedding: embedding, metadata: metadata))
        }
        return out
    }

    /// A float32 `.npy` written byte by byte (format 1.0), independent of the library's writer.
    func writeNpy(_ rows: [[Float]], dimension: Int, to path: String) throws {
        var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), \(dimension)), }".utf8)
        while (10 + dict.count + 1) % 64 != 0 { dict.append(0x20) }
        dict.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)] + dict
        for row in rows { for x in row { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func jsonLine(_ row: Row) -> String {
        var members = ["\"identity\": \"\(row.identity)\"", "\"embedding\": [\(row.embedding.map { "\($0)" }.joined(separator: ", "))]"]
        if let id = row.faceID { members.append("\"face_id\": \(id)") }
        if let metadata = row.metadata { members.append("\"metadata\": \(metadata)") }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// Every stored face, by id.
    func stored(_ db: FaceDatabase) throws -> [FaceID: Face] {
        var faces: [FaceID: Face] = [:]
        for identity in try db.identities() {
            for face in try db.faces(of: identity.id) { faces[face.id] = face }
        }
        return faces
    }

    // MARK: - Import

    func testJSONLinesImportStoresGoodRowsAndRejectsEachBadOneWithItsLine() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let space = EmbeddingSpace(model: "m", dimension: 8, metric: .cosine)
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: quiet)
        let good = rows(40, dimension: 8, identities: 7, withIDs: false, rng: &rng)
        var lines = good.map(jsonLine)
        // Bad rows, each at a known line (1-based), with a word its reason must contain.
        let bad: [(line: Int, text: String, reason: String)] = [
            (3, #"{"identity": "x", "embedding": [1, 2, 3]}"#, "8"),
            (9, #"{"identity": "", "embedding": [1, 1, 1, 1, 1, 1, 1, 1]}"#, "empty"),
            (14, #"{"identity": "x", "embedding": [0, 0, 0, 0, 0, 0, 0, 0]}"#, "zero"),
            (20, #"{"identity": "x", "embedding": [1, "a", 1, 1, 1, 1, 1, 1]}"#, "number"),
            (27, #"{"identity": "x", "embedding": [1, 1, 1"#, "JSON"),
            (33, "\u{1}\u{2}garbage\u{FF}", "JSON"),
            (35, #"{"identity": "x", "embedding": [1e39, 1, 1, 1, 1, 1, 1, 1]}"#, "finite"),
        ]
        for b in bad { lines.insert(b.text, at: b.line - 1) }
        let file = directory.path("rows.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let rejects = directory.path("rejects.jsonl")

        let summary = try db.importEmbeddings(
            from: try EmbeddingFiles.open(path: file, labels: nil),
            options: ImportOptions(batchSize: 16, rejectsPath: rejects))
        XCTAssertEqual(summary.rowsRead, lines.count, "seed \(seed)")
        XCTAssertEqual(summary.stored, good.count, "seed \(seed)")
        XCTAssertEqual(summary.rejected, bad.count, "seed \(seed)")
        XCTAssertEqual(summary.identitiesCreated, 7)
        XCTAssertEqual(db.faceCount, good.count)

        let rejected = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(RejectedRow.self, from: Data($0.utf8))
        }
        XCTAssertEqual(rejected.map(\.row), bad.map(\.line))
        for (r, b) in zip(rejected, bad) {
            XCTAssertTrue(r.reason.localizedCaseInsensitiveContains(b.reason), "line \(b.line): \(r.reason)")
        }
        // What is stored: the good rows, normalized (the space is cosine), in file order.
        let faces = try stored(db).values.sorted { $0.id.rawValue < $1.id.rawValue }
        XCTAssertEqual(faces.count, good.count)
        for (face, row) in zip(faces, good) {
            XCTAssertEqual(face.identity, row.identity)
            XCTAssertEqual(face.metadata, row.metadata)
            let norm = row.embedding.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            for (x, y) in zip(face.embedding, row.embedding) { XCTAssertEqual(Double(x), Double(y) / norm, accuracy: 1e-6, "seed \(seed)") }
        }
        XCTAssertTrue(try db.checkIndex().isConsistent)
    }

    /// A source that fails after `limit` rows, as an import killed or cut short would.
    struct FailingSource: EmbeddingSource {
        var inner: any EmbeddingSource
        var limit: Int
        var served = 0
        var dimension: Int? { inner.dimension }
        var totalRows: Int? { inner.totalRows }
        var bytesRead: Int { inner.bytesRead }
        var totalBytes: Int? { inner.totalBytes }
        var consumed: [FilePrefix] { inner.consumed }
        mutating func next() throws -> ImportItem? {
            guard served < limit else { throw FaceDBError(.io, "simulated failure after \(limit) rows") }
            served += 1
            return try inner.next()
        }
    }

    func testInterruptedNpyImportResumesWithoutDuplicates() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let dimension = 16
        let data = rows(12_000, dimension: dimension, identities: 300, withIDs: false, rng: &rng)
        let npy = directory.path("faces.npy")
        let labels = directory.path("labels.txt")
        try writeNpy(data.map(\.embedding), dimension: dimension, to: npy)
        try data.map(\.identity).joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        let space = EmbeddingSpace(model: "m", dimension: dimension, metric: .l2)
        let path = directory.path("db")
        let key = try EmbeddingFiles.resumeKey(path: npy, labels: labels)
        // Batches of 5,000 rows are bulk loads; the failure comes inside the third batch, whose rows
        // read before it are stored too.
        let options = ImportOptions(batchSize: 5_000, resumeKey: key)
        do {
            let db = try FaceDatabase.create(at: path, space: space, options: quiet)
            let source = FailingSource(inner: try EmbeddingFiles.open(path: npy, labels: labels), limit: 11_000)
            XCTAssertThrowsError(try db.importEmbeddings(from: source, options: options)) { error in
                XCTAssertTrue("\(error)".contains("11000 stored"), "\(error)")
            }
            XCTAssertEqual(db.faceCount, 11_000)
            try db.close()
        }
        let db = try FaceDatabase.open(at: path, options: quiet)
        let summary = try db.importEmbeddings(from: try EmbeddingFiles.open(path: npy, labels: labels), options: options)
        XCTAssertEqual(summary.resumed, 11_000)
        XCTAssertEqual(summary.stored, 1_000)
        XCTAssertEqual(db.faceCount, data.count)
        // Face ids were assigned in file order: face i is row i, exactly once.
        let faces = try stored(db)
        XCTAssertEqual(faces.count, data.count)
        for (i, row) in data.enumerated() {
            let face = try XCTUnwrap(faces[FaceID(Int64(i))], "row \(i), seed \(seed)")
            XCTAssertEqual(face.identity, row.identity)
            XCTAssertEqual(face.embedding, row.embedding, "row \(i), seed \(seed)")
        }
        // The same file again is a no-op.
        let again = try db.importEmbeddings(from: try EmbeddingFiles.open(path: npy, labels: labels), options: options)
        XCTAssertEqual(again.resumed, data.count)
        XCTAssertEqual(db.faceCount, data.count)
        XCTAssertTrue(try db.checkIndex().isConsistent)
        // And the search finds each of a sample of rows as its own nearest face.
        for i in stride(from: 0, to: data.count, by: 997) {
            XCTAssertEqual(try db.search(data[i].embedding, k: 1).first?.faceID, FaceID(Int64(i)), "row \(i), seed \(seed)")
        }
    }

    /// Issue 17.6: the resume key was the size and the first and last 64 KiB, so a second file that
    /// differs only in its middle was reported "done by an earlier import" and not imported.
    func testFilesThatDifferOnlyInTheirMiddleAreBothImported() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let data = rows(3_000, dimension: 16, identities: 50, withIDs: false, rng: &rng)
        var lines = data.map(jsonLine)
        let first = directory.path("first.jsonl")
        try lines.joined(separator: "\n").write(toFile: first, atomically: true, encoding: .utf8)
        // The same bytes but one identity in the middle line, of the same length.
        let middle = lines.count / 2
        lines[middle] = lines[middle].replacingOccurrences(of: "\"person-", with: "\"PERSON-")
        let second = directory.path("second.jsonl")
        try lines.joined(separator: "\n").write(toFile: second, atomically: true, encoding: .utf8)
        let a = try Data(contentsOf: URL(fileURLWithPath: first)), b = try Data(contentsOf: URL(fileURLWithPath: second))
        XCTAssertEqual(a.count, b.count)
        XCTAssertGreaterThan(a.count, 3 * 65_536)
        XCTAssertEqual(a.prefix(65_536), b.prefix(65_536))
        XCTAssertEqual(a.suffix(65_536), b.suffix(65_536))
        XCTAssertNotEqual(a, b)

        let db = try FaceDatabase.create(at: directory.path("db"), space: EmbeddingSpace(model: "m", dimension: 16, metric: .l2), options: quiet)
        for file in [first, second] {
            let summary = try db.importEmbeddings(
                from: try EmbeddingFiles.open(path: file, labels: nil),
                options: ImportOptions(batchSize: 1_000, resumeKey: try EmbeddingFiles.resumeKey(path: file, labels: nil)))
            XCTAssertEqual(summary.resumed, 0, "\(file), seed \(seed)")
            XCTAssertEqual(summary.stored, data.count, "\(file), seed \(seed)")
        }
        XCTAssertEqual(db.faceCount, 2 * data.count)
        XCTAssertEqual(try db.faces(of: "PERSON-\(middle % 50)").count, 1)
        // Each file again is a no-op.
        for file in [first, second] {
            let again = try db.importEmbeddings(
                from: try EmbeddingFiles.open(path: file, labels: nil),
                options: ImportOptions(resumeKey: try EmbeddingFiles.resumeKey(path: file, labels: nil)))
            XCTAssertEqual(again.resumed, data.count, file)
            XCTAssertEqual(again.stored, 0, file)
        }
        XCTAssertEqual(db.faceCount, 2 * data.count)
    }

    /// Issue 17.6: rows appended to a finished file are imported alone, without duplicating the
    /// rows an earlier import stored (JSON Lines, and `.fvecs` with a plain labels file).
    func testRowsAppendedToAFinishedFileAreImportedAlone() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let dimension = 8
        let data = rows(2_500, dimension: dimension, identities: 40, withIDs: false, rng: &rng)
        let (old, new) = (Array(data[..<2_000]), Array(data[2_000...]))
        let space = EmbeddingSpace(model: "m", dimension: dimension, metric: .l2)

        // JSON Lines, its last line without a newline: appending starts with one.
        let jsonl = directory.path("faces.jsonl")
        try old.map(jsonLine).joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        // .fvecs and labels.
        func fvecs(_ rows: [Row]) -> Data {
            var bytes = Data()
            for row in rows {
                withUnsafeBytes(of: Int32(dimension).littleEndian) { bytes.append(contentsOf: $0) }
                for x in row.embedding { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            }
            return bytes
        }
        let vectors = directory.path("faces.fvecs"), labels = directory.path("labels.txt")
        try fvecs(old).write(to: URL(fileURLWithPath: vectors))
        try (old.map(\.identity).joined(separator: "\n") + "\n").write(toFile: labels, atomically: true, encoding: .utf8)

        for (name, labelsFile) in [(jsonl, nil), (vectors, labels)] as [(String, String?)] {
            let db = try FaceDatabase.create(at: directory.path("db-" + (name as NSString).lastPathComponent), space: space, options: quiet)
            func run() throws -> ImportSummary {
                try db.importEmbeddings(
                    from: try EmbeddingFiles.open(path: name, labels: labelsFile),
                    options: ImportOptions(batchSize: 700, resumeKey: try EmbeddingFiles.resumeKey(path: name, labels: labelsFile)))
            }
            XCTAssertEqual(try run().stored, old.count, name)
            // Append the new rows.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: name))
            handle.seekToEndOfFile()
            handle.write(labelsFile == nil ? Data(("\n" + new.map(jsonLine).joined(separator: "\n") + "\n").utf8) : fvecs(new))
            try handle.close()
            if let labelsFile {
                let more = try FileHandle(forWritingTo: URL(fileURLWithPath: labelsFile))
                more.seekToEndOfFile()
                more.write(Data((new.map(\.identity).joined(separator: "\n") + "\n").utf8))
                try more.close()
            }
            let appended = try run()
            XCTAssertEqual(appended.resumed, old.count, "\(name), seed \(seed)")
            XCTAssertEqual(appended.stored, new.count, "\(name), seed \(seed)")
            XCTAssertEqual(db.faceCount, data.count, "\(name), seed \(seed)")
            // Every row exactly once, in file order.
            let faces = try stored(db)
            for (i, row) in data.enumerated() {
                let face = try XCTUnwrap(faces[FaceID(Int64(i))], "row \(i) of \(name), seed \(seed)")
                XCTAssertEqual(face.identity, row.identity)
                XCTAssertEqual(face.embedding, row.embedding, "row \(i) of \(name), seed \(seed)")
            }
            XCTAssertEqual(try run().stored, 0, name)
            XCTAssertTrue(try db.checkIndex().isConsistent)
            if labelsFile != nil {
                // A labels file changed in its first rows does not match: the rows are imported anew
                // (skipped by nothing, since they carry no face ids).
                try (["someone-else"] + data.dropFirst().map(\.identity)).joined(separator: "\n").write(
                    toFile: labels, atomically: true, encoding: .utf8)
                XCTAssertEqual(try run().resumed, 0, name)
            }
            try db.close()
        }
    }

    func testRowsWithStoredFaceIDsAreSkippedOrReplacedWithUpsert() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let space = EmbeddingSpace(model: "m", dimension: 8, metric: .l2)
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: quiet)
        let first = rows(300, dimension: 8, identities: 11, withIDs: true, rng: &rng)
        let file = directory.path("a.jsonl")
        try first.map(jsonLine).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try db.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: nil)).stored, 300)
        let skipped = try db.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: nil))
        XCTAssertEqual(skipped.skipped, 300)
        XCTAssertEqual(db.faceCount, 300)

        // New vectors and identities for the same ids; a repeated id inside the file too.
        var second = rows(300, dimension: 8, identities: 5, withIDs: true, rng: &rng).map { row -> Row in
            var r = row
            r.identity = "moved-" + r.identity
            return r
        }
        second.append(second[7])
        second[300].embedding = (0..<8).map { _ in rng.nextGaussian() }
        let file2 = directory.path("b.jsonl")
        try second.map(jsonLine).joined(separator: "\n").write(toFile: file2, atomically: true, encoding: .utf8)
        let upserted = try db.importEmbeddings(
            from: try EmbeddingFiles.open(path: file2, labels: nil),
            options: ImportOptions(batchSize: 64, existing: .replace))
        XCTAssertEqual(upserted.stored, 301)
        XCTAssertEqual(upserted.replaced, 301)
        XCTAssertEqual(db.faceCount, 300)
        let faces = try stored(db)
        XCTAssertEqual(faces.count, 300)
        for row in second.prefix(300) where row.faceID != second[300].faceID {
            let face = try XCTUnwrap(faces[FaceID(row.faceID!)])
            XCTAssertEqual(face.identity, row.identity)
            XCTAssertEqual(face.embedding, row.embedding, "seed \(seed)")
        }
        // The later of two rows with the same id wins.
        XCTAssertEqual(faces[FaceID(second[300].faceID!)]?.embedding, second[300].embedding)
        XCTAssertTrue(try db.identities(prefix: "person-").allSatisfy { (try? db.faces(of: $0.id).isEmpty) ?? false })
        XCTAssertTrue(try db.checkIndex().isConsistent)
    }

    func testBadFilesFailClearlyAndLeaveCommittedBatchesIntact() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let space = EmbeddingSpace(model: "m", dimension: 4, metric: .l2)
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: quiet)
        let data = rows(100, dimension: 4, identities: 3, withIDs: false, rng: &rng)
        let npy = directory.path("f.npy")
        try writeNpy(data.map(\.embedding), dimension: 4, to: npy)

        // Fewer labels than vectors: the rows before the labels run out are stored.
        let short = directory.path("short.txt")
        try data.prefix(70).map(\.identity).joined(separator: "\n").write(toFile: short, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try db.importEmbeddings(
                from: try EmbeddingFiles.open(path: npy, labels: short),
                options: ImportOptions(batchSize: 25))
        ) { error in
            let message = (error as? FaceDBError)?.message ?? ""
            XCTAssertTrue(message.contains("70") && message.contains("100"), message)
        }
        XCTAssertEqual(db.faceCount, 70)
        XCTAssertTrue(try db.checkIndex().isConsistent)

        // A header promising more rows than the file holds, and a file cut short: refused up front.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: npy))
        let truncated = directory.path("cut.npy")
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: truncated))
        let labels = directory.path("labels.txt")
        try data.map(\.identity).joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try db.importEmbeddings(from: try EmbeddingFiles.open(path: truncated, labels: labels)))
        // A file of another dimension is refused before anything is read.
        let wide = directory.path("wide.npy")
        try writeNpy([[1, 2, 3, 4, 5]], dimension: 5, to: wide)
        let one = directory.path("one.txt")
        try "x\n".write(toFile: one, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try db.importEmbeddings(from: try EmbeddingFiles.open(path: wide, labels: one))) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .dimensionMismatch)
        }
        XCTAssertEqual(db.faceCount, 70)
    }

    func testCSVWithByteOrderMarkAndCRLFImports() throws {
        let space = EmbeddingSpace(model: "m", dimension: 3, metric: .l2)
        let db = try FaceDatabase.create(at: directory.path("db"), space: space, options: quiet)
        let file = directory.path("rows.csv")
        let text = "\u{FEFF}identity,face_id,e0,e1,e2\r\nZoë,5,1,2,3\r\n\"Smith, J.\",6,4,5,6\r\n李雷,7,7,8,9\r\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try db.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: nil))
        XCTAssertEqual(summary.stored, 3)
        XCTAssertEqual(try db.face(FaceID(5))?.identity, "Zoë")
        XCTAssertEqual(try db.face(FaceID(6))?.embedding, [4, 5, 6])
        XCTAssertEqual(try db.face(FaceID(7))?.identity, "李雷")
    }

    // MARK: - Export

    func makeGallery(metric: Metric, rng: inout SeededGenerator) throws -> FaceDatabase {
        let db = try FaceDatabase.create(
            at: directory.path("source"), space: EmbeddingSpace(model: "m", dimension: 12, metric: metric),
            options: quiet)
        let names = ["Zoë", "李雷", "Smith, J.", "quote \"q\"", "tab\there", "plain"]
        var faces: [NewFace] = []
        for i in 0..<600 {
            faces.append(
                NewFace(
                    identity: names[i % names.count] + "-\(i % 50)", embedding: (0..<12).map { _ in rng.nextGaussian() },
                    metadata: i % 3 == 0 ? .object(["i": .number(Double(i)), "tag": .string("a,\"b\"\nc")]) : nil))
        }
        try db.addFaces(faces, createMissingIdentities: true)
        try db.removeFaces([FaceID(10), FaceID(11)])
        return db
    }

    func testExportImportsBackIdenticallyInEveryFormat() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let source = try makeGallery(metric: .cosine, rng: &rng)
        let expected = try stored(source)
        for format in [ExportFormat.npy, .jsonl, .csv] {
            let file = directory.path("export.\(format.rawValue)")
            let result = try source.export(format: format, to: file)
            let (count, files) = (result.faces, result.files)
            XCTAssertEqual(count, expected.count)
            let copy = try FaceDatabase.create(at: directory.path("copy-\(format.rawValue)"), space: source.space, options: quiet)
            let labels = format == .npy ? files[1] : nil
            let summary = try copy.importEmbeddings(from: try EmbeddingFiles.open(path: file, labels: labels))
            XCTAssertEqual(summary.stored, expected.count, "\(format)")
            XCTAssertEqual(summary.rejected, 0, "\(format)")
            let imported = try stored(copy)
            XCTAssertEqual(Set(imported.keys), Set(expected.keys), "\(format)")
            for (id, face) in expected {
                let back = try XCTUnwrap(imported[id])
                XCTAssertEqual(back.identity, face.identity, "\(format) face \(id)")
                XCTAssertEqual(back.metadata, face.metadata, "\(format) face \(id)")
                XCTAssertEqual(back.embedding.map(\.bitPattern), face.embedding.map(\.bitPattern), "\(format) face \(id), seed \(seed)")
            }
            try copy.close()
        }
    }

    /// A JSON Lines export is a whole dump: imported into an empty database of the same space it
    /// gives a database whose own dump is the same bytes (identities with names, galleries and
    /// metadata, one without faces, faces with metadata and photo provenance, the HNSW
    /// configuration and the operating point); a database with faces keeps its own index and
    /// operating point; another space is refused before anything is stored.
    func testADumpImportedIntoAnEmptyDatabaseDumpsToTheSameBytes() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        for metric in [Metric.l2, .cosine] {
            let space = EmbeddingSpace(model: "m", dimension: 8, metric: metric)
            let source = try FaceDatabase.create(
                at: directory.path("source-\(metric)"), space: space, index: IndexConfiguration(kind: .hnsw, hnswM: 8, efSearch: 48),
                options: quiet)
            for p in 0..<30 {
                try source.addIdentity(
                    "p\(p)", displayName: p % 3 == 0 ? nil : "Person \(p) \"Ünï\"", metadata: .object(["team": .string(["a", "b"][p % 2])]),
                    galleries: p % 4 == 0 ? ["staff", "vip"] : [])
            }
            try source.addIdentity("nobody-yet", displayName: "Empty")
            let photo = FaceSource(
                path: "photos/p1/a b.jpg", imageSHA256: String(repeating: "0f", count: 32), box: [1.5, 2, 101.25, 120],
                landmarks: [Point(x: 10.5, y: 20.25), Point(x: 30, y: 20)], quality: ["sharpness": 123.456, "confidence": 0.987654321])
            var faces: [NewFace] = []
            for i in 0..<120 {
                let vector: [Float] = (0..<8).map { _ in rng.nextGaussian() }
                let metadata: JSONValue? = i % 3 == 0 ? .object(["n": .number(Double(i) / 7)]) : nil
                faces.append(NewFace(identity: "p\(i % 30)", embedding: vector, source: i % 5 == 0 ? photo : nil, metadata: metadata))
            }
            try source.addFaces(faces)
            try source.calibrate(CalibrationOptions(targetFMR: 1e-2))
            let first = directory.path("dump-\(metric).jsonl")
            try source.export(format: .jsonl, to: first)

            let copy = try FaceDatabase.create(at: directory.path("copy-\(metric)"), space: space, options: quiet)
            let summary = try copy.importEmbeddings(from: try EmbeddingFiles.open(path: first, labels: nil))
            XCTAssertEqual([summary.stored, summary.rejected], [120, 0])
            let second = directory.path("again-\(metric).jsonl")
            try copy.export(format: .jsonl, to: second)
            let a = try Data(contentsOf: URL(fileURLWithPath: first))
            let b = try Data(contentsOf: URL(fileURLWithPath: second))
            XCTAssertEqual(a.count, b.count, "\(metric); seed \(rng.seed)")
            XCTAssertTrue(a == b, "\(metric); seed \(rng.seed)")
            XCTAssertEqual(try copy.operatingPoint(), try source.operatingPoint())
            XCTAssertEqual(try copy.stats().index, try source.stats().index)
            XCTAssertEqual(try copy.identity("p4")?.galleries, ["staff", "vip"])
            XCTAssertEqual(try copy.identity("nobody-yet")?.displayName, "Empty")
            XCTAssertEqual(try copy.faces(of: "p0").first?.source, photo)
            let lines = String(decoding: a, as: UTF8.self).split(separator: "\n")
            XCTAssertEqual(lines.count, 1 + 31 + 120)
            XCTAssertTrue(lines[0].contains(#""kind":"database""#) && lines[0].contains(#""calibration""#), String(lines[0].prefix(200)))
            try copy.close()

            // A database with faces keeps its own index and operating point.
            let busy = try FaceDatabase.create(at: directory.path("busy-\(metric)"), space: space, options: quiet)
            try busy.addFaces([NewFace(identity: "x", embedding: (0..<8).map { _ in rng.nextGaussian() })], createMissingIdentities: true)
            let into = try busy.importEmbeddings(from: try EmbeddingFiles.open(path: first, labels: nil))
            XCTAssertEqual(into.stored + into.skipped, 120, "face id 0 was taken: skipped")
            XCTAssertEqual(try busy.stats().index.kind, .flat)
            XCTAssertNil(try busy.operatingPoint())
            try busy.close()
            try source.close()
        }
        // Another space: refused before anything is stored.
        let other = try FaceDatabase.create(
            at: directory.path("other"), space: EmbeddingSpace(model: "other", dimension: 8, metric: .l2), options: quiet)
        defer { try? other.close() }
        XCTAssertThrowsError(try other.importEmbeddings(from: try EmbeddingFiles.open(path: directory.path("dump-l2.jsonl"), labels: nil))) {
            XCTAssertEqual(($0 as? FaceDBError)?.code, .modelMismatch, "\($0)")
        }
        XCTAssertEqual(other.faceCount, 0)
        XCTAssertEqual(other.identityCount, 0)
    }

    /// Reads a 1-D or 2-D `.npy` written by the exporter: its type string, shape and data bytes.
    func readNpy(_ path: String) throws -> (descr: String, shape: [Int], data: Data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(bytes.prefix(6)), [0x93] + Array("NUMPY".utf8))
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        let descr = header.components(separatedBy: "'descr': '")[1].components(separatedBy: "'")[0]
        let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (descr, shape, bytes.dropFirst(10 + length))
    }

    func testMilvusExportHasOneNumPyFilePerField() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let source = try makeGallery(metric: .l2, rng: &rng)
        let expected = try stored(source).values.sorted { $0.id.rawValue < $1.id.rawValue }
        let out = directory.path("milvus")
        try source.export(format: .milvus, to: out)

        let ids = try readNpy(out + "/id.npy")
        XCTAssertEqual(ids.descr, "<i8")
        XCTAssertEqual(ids.shape, [expected.count])
        let idValues = ids.data.withUnsafeBytes { raw in (0..<expected.count).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) } }
        XCTAssertEqual(idValues, expected.map(\.id.rawValue))

        let embeddings = try readNpy(out + "/embedding.npy")
        XCTAssertEqual(embeddings.descr, "<f4")
        XCTAssertEqual(embeddings.shape, [expected.count, 12])
        let floats = embeddings.data.withUnsafeBytes { raw in
            (0..<(expected.count * 12)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
        XCTAssertEqual(floats, expected.flatMap(\.embedding))

        for (field, values) in [("identity", expected.map(\.identity)), ("metadata", expected.map { $0.metadata?.description ?? "{}" })] {
            let array = try readNpy(out + "/\(field).npy")
            XCTAssertTrue(array.descr.hasPrefix("<U"), array.descr)
            let width = Int(array.descr.dropFirst(2))!
            XCTAssertEqual(width, values.map(\.unicodeScalars.count).max())
            let decoded: [String] = array.data.withUnsafeBytes { raw in
                (0..<values.count).map { row in
                    let scalars = (0..<width).map { raw.loadUnaligned(fromByteOffset: (row * width + $0) * 4, as: UInt32.self) }
                        .prefix { $0 != 0 }.compactMap(Unicode.Scalar.init)
                    return String(String.UnicodeScalarView(scalars))
                }
            }
            XCTAssertEqual(decoded, values, field)
        }
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/schema.json"))) as? [String: Any]
        let fields = (schema?["fields"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        XCTAssertEqual(fields, ["id", "identity", "embedding", "metadata"])
    }

    /// Issue 17 item 2, as seen: a row with face_id Int64.max imported "1 stored" and the next open
    /// deleted every row of the file; Int64.max − 1 made every later write without an id trap.
    func testImportRejectsFaceIDsBeyondTheRangeAndKeepsEveryOtherRowAcrossReopen() throws {
        let space = EmbeddingSpace(model: "m", dimension: 4, metric: .l2)
        let path = directory.path("db")
        var db: FaceDatabase? = try FaceDatabase.create(at: path, space: space, options: quiet)
        let lines = [
            #"{"identity": "a", "embedding": [1, 2, 3, 4], "face_id": 9223372036854775807}"#,
            #"{"identity": "a", "embedding": [1, 2, 3, 5], "face_id": 9223372036854775806}"#,
            #"{"identity": "a", "embedding": [1, 2, 3, 6], "face_id": 4611686018427387903}"#,
            #"{"identity": "b", "embedding": [1, 2, 3, 7]}"#,
        ]
        let file = directory.path("rows.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let summary = try db!.importEmbeddings(
            from: try EmbeddingFiles.open(path: file, labels: nil),
            options: ImportOptions(rejectsPath: directory.path("rejects.jsonl")))
        XCTAssertEqual(summary.stored, 2)
        XCTAssertEqual(summary.rejected, 2)
        let reasons = try String(contentsOfFile: directory.path("rejects.jsonl"), encoding: .utf8)
        XCTAssertTrue(reasons.contains("4611686018427387903"), reasons)
        try db!.close()
        db = try FaceDatabase.open(at: path, options: quiet)
        XCTAssertEqual(db!.faceCount, 2)
        XCTAssertEqual(try stored(db!).keys.map(\.rawValue).sorted(), [4611686018427387903, 4611686018427387904])
        // A later write without an id works and is numbered after them.
        XCTAssertEqual(try db!.addFaces([NewFace(identity: "b", embedding: [2, 2, 2, 2])]).map(\.rawValue), [4611686018427387905])
        try db!.close()
    }

}
