import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class NpyReaderTests: XCTestCase {
    private func open(
        _ npy: [UInt8], labels: String = plainLabels(1000), labelsName: String = "labels.txt",
        in dir: TemporaryDirectory
    ) throws -> NpyReader {
        let path = write(npy, to: "data.npy", in: dir)
        let labelsPath = write(labels, to: labelsName, in: dir)
        return try NpyReader(path: path, labels: LabelsReader(path: labelsPath))
    }

    func testFloat32RoundTripIsBitExactForVersions1And2And3() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("npy")
        for version: UInt8 in [1, 2, 3] {
            var rows = randomRows(37, 13, &generator)
            rows[3][4] = -0.0
            rows[5][0] = .leastNonzeroMagnitude
            rows[6][1] = .greatestFiniteMagnitude
            let reader = try open(NpyWriter.float32File(rows, version: version), labels: plainLabels(37), in: dir)
            XCTAssertEqual(reader.dimension, 13)
            XCTAssertEqual(reader.totalRows, 37)
            XCTAssertEqual(reader.elementType, "float32")
            let result = drain(reader)
            XCTAssertNil(result.error, "seed \(seed), version \(version)")
            XCTAssertEqual(result.rows.count, 37, "seed \(seed)")
            for (i, row) in result.rows.enumerated() {
                XCTAssertEqual(row.row, i + 1)
                XCTAssertEqual(row.identity, "person-\(i)")
                XCTAssertNil(row.faceID)
                XCTAssertEqual(row.embedding.map(\.bitPattern), rows[i].map(\.bitPattern), "seed \(seed), version \(version), row \(i)")
            }
        }
    }

    func testFloat64ConvertsExactlyRepresentableValuesExactly() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("npy")
        let floats = randomRows(20, 9, &generator)
        var doubles = floats.map { $0.map(Double.init) }
        doubles[0][0] = 0.1  // not a float: must round to nearest
        let npy = NpyWriter.file(dict: NpyWriter.dict(descr: "<f8", shape: [20, 9]), version: 2, data: NpyWriter.float64(doubles))
        let reader = try open(npy, labels: plainLabels(20), in: dir)
        XCTAssertEqual(reader.elementType, "float64")
        let result = drain(reader)
        XCTAssertNil(result.error, "seed \(seed)")
        XCTAssertEqual(result.rows.count, 20)
        for (i, row) in result.rows.enumerated() {
            let expected = i == 0 ? [Float(0.1)] + floats[0].dropFirst() : floats[i]
            XCTAssertEqual(row.embedding.map(\.bitPattern), expected.map(\.bitPattern), "seed \(seed), row \(i)")
        }
    }

    func testFloat16ConvertsEveryBitPatternExactly() throws {
        let dir = TemporaryDirectory("npy")
        let patterns = (0..<256).map { r in (0..<256).map { c in UInt16(r * 256 + c) } }
        let npy = NpyWriter.file(dict: NpyWriter.dict(descr: "<f2", shape: [256, 256]), data: NpyWriter.float16(patterns))
        let result = drain(try open(npy, labels: plainLabels(256), in: dir))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rows.count, 256)
        for (r, row) in result.rows.enumerated() {
            for (c, value) in row.embedding.enumerated() {
                let expected = Float(Float16(bitPattern: patterns[r][c]))
                if expected.isNaN {
                    XCTAssertTrue(value.isNaN, "half 0x\(String(patterns[r][c], radix: 16))")
                } else {
                    XCTAssertEqual(value.bitPattern, expected.bitPattern, "half 0x\(String(patterns[r][c], radix: 16))")
                }
            }
        }
    }

    func testLittleEndianSpellingsAreAccepted() throws {
        let dir = TemporaryDirectory("npy")
        for descr in ["|f4", "=f4"] {
            let npy = NpyWriter.file(dict: NpyWriter.dict(descr: descr, shape: [2, 3]), data: NpyWriter.float32([[1, 2, 3], [4, 5, 6]]))
            let result = drain(try open(npy, labels: "a\nb\n", in: dir))
            XCTAssertNil(result.error, descr)
            XCTAssertEqual(result.rows.map(\.embedding), [[1, 2, 3], [4, 5, 6]], descr)
        }
    }

    func testZeroRowsWithNoLabelsIsEmpty() throws {
        let dir = TemporaryDirectory("npy")
        let npy = NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [0, 128]), data: [])
        let result = drain(try open(npy, labels: "", in: dir))
        XCTAssertNil(result.error)
        XCTAssertTrue(result.items.isEmpty)
    }

    func testTruncatedAtEveryOffsetIsAnErrorOrTheRowsBeforeTheCut() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("npy")
        let rows = randomRows(7, 5, &generator)
        let whole = NpyWriter.float32File(rows)
        let dataOffset = whole.count - 7 * 5 * 4
        for cut in 0..<whole.count {
            let path = write(Array(whole.prefix(cut)), to: "data.npy", in: dir)
            let labels = write(plainLabels(7), to: "labels.txt", in: dir)
            let result: Drained
            do {
                result = drain(try NpyReader(path: path, labels: LabelsReader(path: labels)))
            } catch {
                XCTAssertTrue([.corruption, .invalidArgument].contains(code(of: error)), "cut \(cut): \(error)")
                if cut >= dataOffset {
                    XCTAssertEqual(code(of: error), .corruption, "cut \(cut)")
                    let complete = (cut - dataOffset) / 20
                    XCTAssertTrue("\(error)".contains("ends after row \(complete) of 7: truncated"), "cut \(cut): \(error)")
                }
                continue
            }
            XCTAssertNotNil(result.error, "cut \(cut) of \(whole.count) was read without an error")
            for (i, row) in result.rows.enumerated() {
                XCTAssertEqual(row.embedding, rows[i], "seed \(seed), cut \(cut), row \(i)")
            }
        }
    }

    func testHeaderShapeThatDisagreesWithTheFileSizeIsCorruption() throws {
        let dir = TemporaryDirectory("npy")
        let data = NpyWriter.float32(Array(repeating: [1, 2, 3, 4, 5], count: 7))
        let tooFew = NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [10, 5]), data: data)
        XCTAssertThrowsError(try open(tooFew, in: dir)) { error in
            XCTAssertEqual(code(of: error), .corruption)
            XCTAssertTrue("\(error)".contains("data.npy ends after row 7 of 10: truncated"), "\(error)")
        }
        let tooMany = NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [5, 5]), data: data)
        XCTAssertThrowsError(try open(tooMany, in: dir)) { error in
            XCTAssertEqual(code(of: error), .corruption)
            XCTAssertTrue("\(error)".contains("40 bytes after the 5 rows"), "\(error)")
        }
        let huge = NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [Int.max / 2, 5]), data: data)
        XCTAssertThrowsError(try open(huge, in: dir)) { XCTAssertEqual(code(of: $0), .corruption, "\($0)") }
    }

    func testUnsupportedArraysAreRefusedWithWhatWasFound() throws {
        let dir = TemporaryDirectory("npy")
        let data = NpyWriter.float32([[1, 2], [3, 4]])
        let cases: [(dict: String, found: String)] = [
            (NpyWriter.dict(descr: "<f4", fortranOrder: true, shape: [2, 2]), "Fortran (column-major) order"),
            (NpyWriter.dict(descr: ">f4", shape: [2, 2]), "big-endian data (dtype '>f4')"),
            (NpyWriter.dict(descr: "<i4", shape: [2, 2]), "dtype '<i4' (integers)"),
            (NpyWriter.dict(descr: "|O", shape: [2, 2]), "dtype '|O' (Python objects)"),
            (NpyWriter.dict(descr: "<f4", shape: [2, 1, 2]), "3-D array of shape (2, 1, 2)"),
            (NpyWriter.dict(descr: "<f4", shape: [4]), "1-D array of shape (4,)"),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured array"),
            ("{'descr': '<f4', 'shape': (2, 2), }", "no 'fortran_order'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", "malformed header"),
        ]
        for (dict, found) in cases {
            XCTAssertThrowsError(try open(NpyWriter.file(dict: dict, data: data), in: dir), dict) { error in
                XCTAssertEqual(code(of: error), .invalidArgument, dict)
                let text = "\(error)"
                XCTAssertTrue(text.contains(found), "\(dict): \(text)")
                XCTAssertTrue(text.contains("np.ascontiguousarray(x, dtype=np.float32)"), text)
            }
        }
        XCTAssertThrowsError(try open(Array("not numpy at all".utf8), in: dir)) {
            XCTAssertTrue("\($0)".contains("is not a NumPy .npy file"), "\($0)")
        }
        var version4 = NpyWriter.float32File([[1, 2]])
        version4[6] = 4
        XCTAssertThrowsError(try open(version4, in: dir)) {
            XCTAssertTrue("\($0)".contains("version 4.0"), "\($0)")
        }
    }

    func testFewerLabelsThanRowsFailsWhenTheLabelsRunOut() throws {
        let dir = TemporaryDirectory("npy")
        let rows = (0..<10).map { i in [Float(i), 1] }
        let result = drain(try open(NpyWriter.float32File(rows), labels: plainLabels(8), in: dir))
        XCTAssertEqual(result.rows.count, 8)
        XCTAssertEqual(code(of: result.error), .invalidArgument)
        XCTAssertEqual(result.faceDBError?.message, "labels.txt has 8 lines but data.npy has 10 rows.")
    }

    func testMoreLabelsThanRowsFailsAtTheEnd() throws {
        let dir = TemporaryDirectory("npy")
        let rows = (0..<10).map { i in [Float(i), 1] }
        let result = drain(try open(NpyWriter.float32File(rows), labels: plainLabels(12), in: dir))
        XCTAssertEqual(result.rows.count, 10)
        XCTAssertEqual(code(of: result.error), .invalidArgument)
        XCTAssertEqual(result.faceDBError?.message, "labels.txt has 12 lines but data.npy has only 10 rows.")
    }

    func testCSVLabelsGiveFaceIDsAndMetadataAndRejectBadLines() throws {
        let dir = TemporaryDirectory("npy")
        let rows = (0..<4).map { i in [Float(i), 0.5] }
        let labels = """
            face_id,identity,metadata\r
            10,alice,"{""camera"": ""door"", ""n"": 2}"\r
            11,"Zoë, Ångström",\r
            x,carol,\r
            ,dave,"{""a"": [1, null]}"\r

            """
        let result = drain(try open(NpyWriter.float32File(rows), labels: labels, labelsName: "labels.csv", in: dir))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.items.count, 4)
        XCTAssertEqual(result.rows.map(\.identity), ["alice", "Zoë, Ångström", "dave"])
        XCTAssertEqual(result.rows.map(\.faceID), [10, 11, nil])
        XCTAssertEqual(result.rows.map(\.row), [1, 2, 4])
        XCTAssertEqual(result.rows[0].metadata, .object(["camera": .string("door"), "n": .number(2)]))
        XCTAssertNil(result.rows[1].metadata)
        XCTAssertEqual(result.rows[2].metadata, .object(["a": .array([.number(1), .null])]))
        XCTAssertEqual(result.rows[2].embedding, [3, 0.5])
        XCTAssertEqual(result.rejected, [RejectedRow(row: 3, reason: "line 4 of labels.csv: face_id \"x\" is not an integer")])
    }

    func testJSONLinesLabelsGiveFaceIDsAndMetadataAndRejectBadLines() throws {
        let dir = TemporaryDirectory("npy")
        let rows = (0..<4).map { i in [Float(i)] }
        let labels = """
            {"identity": "alice", "face_id": 9007199254740993, "metadata": {"k": "v"}}
            {"identity": "bob"}
            {"identity": "carol", "metadata": "not an object"}
            {"identity": "dave", "face_id": null, "metadata": null}
            """
        let result = drain(try open(NpyWriter.float32File(rows), labels: labels, labelsName: "labels.jsonl", in: dir))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rows.map(\.identity), ["alice", "bob", "dave"])
        XCTAssertEqual(result.rows.map(\.faceID), [9_007_199_254_740_993, nil, nil])
        XCTAssertEqual(result.rows[0].metadata, .object(["k": .string("v")]))
        XCTAssertEqual(result.rejected, [RejectedRow(row: 3, reason: "line 3 of labels.jsonl: \"metadata\" must be a JSON object, not a string")])
    }
}
