import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

final class RejectsWriterTests: XCTestCase {
    func testOutputParsesBackAndReplacesWhole() throws {
        let dir = TemporaryDirectory("rejects")
        let path = dir.path("rejects.jsonl")
        let rows = [
            RejectedRow(row: 12, reason: "embedding has 127 values, the database stores 128"),
            RejectedRow(row: 13, reason: "quotes \" and \\ backslash, newline\nand tab\t, Zoë 😀, bell \u{7}"),
            RejectedRow(row: 14, reason: ""),
        ]
        let writer = try RejectsWriter(path: path, bufferSize: 16)
        for row in rows { try writer.write(row) }
        XCTAssertEqual(writer.count, 3)
        try writer.close()
        XCTAssertThrowsError(try writer.write(rows[0]))

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, #"{"row":12,"reason":"embedding has 127 values, the database stores 128"}"#)
        let decoded = try lines.map { try JSONDecoder().decode(RejectedRow.self, from: Data($0.utf8)) }
        XCTAssertEqual(decoded, rows)

        // A second writer leaves the file as it was until it closes, then replaces it whole.
        let again = try RejectsWriter(path: path)
        try again.write(RejectedRow(row: 99, reason: "replacing"))
        try again.flush()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text)
        try again.close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), #"{"row":99,"reason":"replacing"}"# + "\n")
        // No rows: an earlier file is replaced by an empty one; no file is created where there was none.
        try RejectsWriter(path: path).close()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "")
        try RejectsWriter(path: dir.path("none.jsonl")).close()
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("none.jsonl")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["rejects.jsonl"], "no temporary file is left")
    }

    func testUnwritablePathIsAnIOError() {
        XCTAssertThrowsError(try RejectsWriter(path: "/nonexistent-directory/rejects.jsonl")) {
            XCTAssertEqual(code(of: $0), .io)
        }
    }
}
