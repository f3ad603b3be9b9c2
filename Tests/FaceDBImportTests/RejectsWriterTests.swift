import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

final class RejectsWriterTests: XCTestCase {
    func testOutputParsesBackAndAppends() throws {
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

        let again = try RejectsWriter(path: path)
        try again.write(RejectedRow(row: 99, reason: "appended"))
        try again.close()

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, #"{"row":12,"reason":"embedding has 127 values, the database stores 128"}"#)
        let decoded = try lines.map { try JSONDecoder().decode(RejectedRow.self, from: Data($0.utf8)) }
        XCTAssertEqual(decoded, rows + [RejectedRow(row: 99, reason: "appended")])
    }

    func testUnwritablePathIsAnIOError() {
        XCTAssertThrowsError(try RejectsWriter(path: "/nonexistent-directory/rejects.jsonl")) {
            XCTAssertEqual(code(of: $0), .io)
        }
    }
}
