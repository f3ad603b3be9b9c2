import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class JSONLinesReaderTests: XCTestCase {
    func testGoodAndBadRowsWithExactReasonsAndLineNumbers() throws {
        let dir = TemporaryDirectory("jsonl")
        let lines = [
            #"{"identity": "alice", "embedding": [0.5, -1, 2e-3], "face_id": 7, "metadata": {"camera": "door"}}"#,
            "",
            #"{"identity": "bob", "embedding": [1, 2, "x"]}"#,
            "not json",
            #"{"embedding": [1, 2, 3]}"#,
            #"{"identity": "", "embedding": [1, 2, 3]}"#,
            #"{"identity": "c", "embedding": [1, 2, 3], "metadata": [1]}"#,
            #"{"identity": "d", "embedding": [1, 2, 3], "face_id": 1.5}"#,
            "   \t",
            #"{"identity": "Zo\u00eb \ud83d\ude00", "embedding": [1e0, 0, -0.0], "face_id": 9223372036854775807, "metadata": {"a": {"b": [true, null]}}}"#,
            #"{"identity": "e", "embedding": [1, 2, 3], "faceid": 3}"#,
            "[1, 2]",
            #"{"identity": 5, "embedding": [1]}"#,
            #"{"identity": "f", "embedding": 1}"#,
            #"{"identity": "g", "embedding": [1], "identity": "h"}"#,
            #"{"identity": "i", "embedding": [1, 2, 3]} trailing"#,
            #"{"identity": "last", "embedding": [3, 2, 1]}"#,
        ]
        let path = write(lines.joined(separator: "\r\n"), to: "rows.jsonl", in: dir)
        let reader = try JSONLinesReader(path: path)
        XCTAssertNil(reader.dimension)
        XCTAssertNil(reader.totalRows)
        let result = drain(reader)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rows.map(\.row), [1, 10, 17])
        XCTAssertEqual(result.rows.map(\.identity), ["alice", "Zoë 😀", "last"])
        XCTAssertEqual(result.rows.map(\.faceID), [7, Int64.max, nil])
        XCTAssertEqual(result.rows[0].embedding, [0.5, -1, Float("2e-3")!])
        XCTAssertEqual(result.rows[1].embedding.map(\.bitPattern), [Float(1), 0, -0.0].map(\.bitPattern))
        XCTAssertEqual(result.rows[0].metadata, .object(["camera": .string("door")]))
        XCTAssertEqual(result.rows[1].metadata, .object(["a": .object(["b": .array([.bool(true), .null])])]))
        XCTAssertEqual(
            result.rejected,
            [
                RejectedRow(row: 3, reason: "embedding value 2 is a string, not a number"),
                RejectedRow(row: 4, reason: "invalid JSON at byte 1: unexpected character"),
                RejectedRow(row: 5, reason: "\"identity\" is missing"),
                RejectedRow(row: 6, reason: "the identity is empty"),
                RejectedRow(row: 7, reason: "\"metadata\" must be a JSON object, not an array"),
                RejectedRow(row: 8, reason: "face_id 1.5 is not an integer in the 64-bit range"),
                RejectedRow(row: 11, reason: "unknown key \"faceid\" in a face line; the keys are identity, embedding, face_id, metadata, source"),
                RejectedRow(row: 12, reason: "the line must be a JSON object with \"identity\" and \"embedding\""),
                RejectedRow(row: 13, reason: "\"identity\" must be a string, not a number"),
                RejectedRow(row: 14, reason: "\"embedding\" must be an array of numbers, not a number"),
                RejectedRow(row: 15, reason: "invalid JSON at byte 37: duplicate key \"identity\""),
                RejectedRow(row: 16, reason: "invalid JSON at byte 43: unexpected text after the value"),
            ])
    }

    /// A dump's database and identity lines are read as such; each kind has its own keys, and a
    /// dump of an unknown version or kind is refused line by line with the reason.
    func testDumpLinesAreReadByKind() throws {
        let dir = TemporaryDirectory("jsonl")
        let lines = [
            #"{"kind":"database","format":"facedb-dump","version":1,"space":{"model":"m","dimension":3,"metric":"l2","normalize":false},"index":{"kind":"flat","hnswM":32,"efConstruction":80,"efSearch":64,"recallTarget":0.98,"nlist":256,"nprobe":64,"pqM":16,"pqBits":8}}"#,
            #"{"kind":"identity","identity":"ada","display_name":"Ada","galleries":["s","t"],"metadata":{"x":1}}"#,
            #"{"kind":"identity","identity":"bob","galleries":[],"metadata":{}}"#,
            #"{"kind":"face","identity":"ada","embedding":[1,2,3],"source":{"path":"a.jpg","image_sha256":"00"}}"#,
            #"{"kind":"identity","identity":"c","embedding":[1,2,3]}"#,
            #"{"kind":"database","format":"facedb-dump","version":2,"space":{}}"#,
            #"{"kind":"robot","identity":"x"}"#,
            #"{"kind":"identity","identity":"d","galleries":"s"}"#,
        ]
        let path = write(lines.joined(separator: "\n"), to: "dump.jsonl", in: dir)
        let result = drain(try JSONLinesReader(path: path))
        XCTAssertNil(result.error)
        guard case .database(let header) = result.items[0] else { return XCTFail("\(result.items[0])") }
        XCTAssertEqual(header.space, EmbeddingSpace(model: "m", dimension: 3, metric: .l2))
        XCTAssertEqual(header.index?.kind, .flat)
        XCTAssertNil(header.calibration)
        guard case .identity(let ada) = result.items[1], case .identity(let bob) = result.items[2] else { return XCTFail() }
        XCTAssertEqual(ada, IdentityRow(row: 2, identity: "ada", displayName: "Ada", galleries: ["s", "t"], metadata: .object(["x": .number(1)])))
        XCTAssertEqual(bob, IdentityRow(row: 3, identity: "bob", displayName: nil, galleries: [], metadata: .emptyObject))
        guard case .row(let face) = result.items[3] else { return XCTFail() }
        XCTAssertEqual(face.source?.path, "a.jpg")
        XCTAssertEqual(
            result.rejected.map(\.reason),
            [
                "unknown key \"embedding\" in an identity line; the keys are identity, display_name, galleries, metadata",
                "this FaceDB reads dumps of version 1; upgrade FaceDB to read this one",
                "\"kind\" must be \"face\", \"identity\" or \"database\", not \"robot\"",
                "\"galleries\" must be an array of strings, not a string",
            ])
    }

    func testProgressCountsBytesAndABOMIsSkipped() throws {
        let dir = TemporaryDirectory("jsonl")
        let text = "\u{FEFF}{\"identity\": \"a\", \"embedding\": [1]}\n{\"identity\": \"b\", \"embedding\": [2]}\n"
        let path = write(text, to: "rows.ndjson", in: dir)
        var reader = try JSONLinesReader(path: path)
        XCTAssertEqual(reader.totalBytes, text.utf8.count)
        XCTAssertEqual(reader.bytesRead, 0)
        guard case .row(let first)? = try reader.next() else { return XCTFail("no first row") }
        XCTAssertEqual(first.identity, "a")
        XCTAssertEqual(reader.bytesRead, 3 + 36)
        _ = try reader.next()
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.bytesRead, text.utf8.count)
    }

    func testDeepNestingIsRejectedNotACrash() throws {
        let dir = TemporaryDirectory("jsonl")
        let deep = String(repeating: "[", count: 100_000)
        let path = write("{\"identity\": \"a\", \"embedding\": [1], \"metadata\": {\"x\": \(deep)}}\n", to: "rows.jsonl", in: dir)
        let result = drain(try JSONLinesReader(path: path))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rejected.count, 1)
        XCTAssertTrue(result.rejected.first?.reason.contains("nested more than 64 levels deep") == true, "\(result.rejected)")
    }
}
