import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class CSVReaderTests: XCTestCase {
    func testBOMCRLFQuotedUTF8NamesAndBadRows() throws {
        let dir = TemporaryDirectory("csv")
        let text =
            "\u{FEFF}identity,face_id,e0,e1,e2\r\n"
            + "\"Zoë, Ångström\",1,0.5,-1,2e-3\r\n"
            + "\"The \"\"Rock\"\"\",2, 1 ,2,3\r\n"
            + "\r\n"
            + "short,3,1,2\r\n"
            + "long,4,1,2,3,4\r\n"
            + "nan-text,5,1,two,3\r\n"
            + "badid,x5,1,2,3\r\n"
            + "bad\"quote,6,1,2,3\r\n"
            + "\"closed\"x,7,1,2,3\r\n"
            + "\"multi\nline\",8,1,2,3\r\n"
            + ",9,1,2,3\r\n"
            + "noid,,4,5,6"
        let path = write(text, to: "rows.csv", in: dir)
        let reader = try CSVReader(path: path)
        XCTAssertEqual(reader.dimension, 3)
        let result = drain(reader)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rows.map(\.identity), ["Zoë, Ångström", "The \"Rock\"", "multi\nline", "noid"])
        XCTAssertEqual(result.rows.map(\.row), [2, 3, 11, 14])
        XCTAssertEqual(result.rows.map(\.faceID), [1, 2, 8, nil])
        XCTAssertEqual(result.rows.map(\.embedding), [[0.5, -1, Float("2e-3")!], [1, 2, 3], [1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(
            result.rejected,
            [
                RejectedRow(row: 5, reason: "the row has 4 fields, the header has 5"),
                RejectedRow(row: 6, reason: "the row has 6 fields, the header has 5"),
                RejectedRow(row: 7, reason: "e1 \"two\" is not a number"),
                RejectedRow(row: 8, reason: "face_id \"x5\" is not an integer"),
                RejectedRow(row: 9, reason: "field 1 has a quote inside an unquoted value"),
                RejectedRow(row: 10, reason: "field 1 has text after its closing quote"),
                RejectedRow(row: 13, reason: "the identity is empty"),
            ])
    }

    func testWithoutFaceIDColumnAndWithMetadataInAnyColumnOrder() throws {
        let dir = TemporaryDirectory("csv")
        let text = "e1,identity,e0,metadata\n2,alice,1,\"{\"\"k\"\": 1}\"\n4,bob,3,\n6,carol,5,[1]\n"
        let result = drain(try CSVReader(path: write(text, to: "rows.csv", in: dir)))
        XCTAssertNil(result.error)
        XCTAssertEqual(result.rows.map(\.identity), ["alice", "bob"])
        XCTAssertEqual(result.rows.map(\.faceID), [nil, nil])
        XCTAssertEqual(result.rows.map(\.embedding), [[1, 2], [3, 4]])
        XCTAssertEqual(result.rows.map(\.metadata), [.object(["k": .number(1)]), nil])
        XCTAssertEqual(result.rejected, [RejectedRow(row: 4, reason: "\"metadata\" must be a JSON object, not an array")])
    }

    func testBadHeadersAreRefused() throws {
        let dir = TemporaryDirectory("csv")
        let cases = [
            ("", "is missing: the file is empty"),
            ("face_id,e0\n", "has no identity column"),
            ("identity,face_id\n", "has no embedding columns"),
            ("identity,e0,e2\n", "has 2 embedding columns but no e1"),
            ("identity,e0,e01\n", "unknown column \"e01\""),
            ("identity,e0,name\n", "unknown column \"name\""),
            ("identity,e0,e0\n", "has the column e0 twice"),
            ("identity,\"e0\n", "is malformed"),
        ]
        for (header, problem) in cases {
            let path = write(header, to: "rows.csv", in: dir)
            XCTAssertThrowsError(try CSVReader(path: path), header) { error in
                XCTAssertEqual(code(of: error), .invalidArgument)
                XCTAssertTrue("\(error)".contains(problem), "\(header): \(error)")
            }
        }
    }
}
