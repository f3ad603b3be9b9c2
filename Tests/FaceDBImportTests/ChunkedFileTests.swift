import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class ChunkedFileTests: XCTestCase {
    func testLinesAcrossTinyChunksWithCRLFBOMAndNoFinalNewline() throws {
        let dir = TemporaryDirectory("chunked")
        let long = String(repeating: "x", count: 100)
        let text = "\u{FEFF}first\r\n\n\(long)\r\nlast"
        let path = write(text, to: "a.txt", in: dir)
        for chunkSize in [1, 2, 3, 7, 16, 1 << 20] {
            let file = try ChunkedFile(path: path, chunkSize: chunkSize)
            var lines = [String]()
            while let line = try file.readLine() { lines.append(String(decoding: line, as: UTF8.self)) }
            XCTAssertEqual(lines, ["first", "", long, "last"], "chunk size \(chunkSize)")
            XCTAssertEqual(file.lineNumber, 4)
            XCTAssertEqual(file.position, text.utf8.count)
            XCTAssertNil(try file.readLine())
        }
    }

    func testBOMIsOnlySkippedAtTheStartAndEmptyFilesHaveNoLines() throws {
        let dir = TemporaryDirectory("chunked")
        let inner = try ChunkedFile(path: write("a\n\u{FEFF}b\n", to: "a.txt", in: dir))
        XCTAssertEqual(try inner.readLine(), Array("a".utf8))
        XCTAssertEqual(try inner.readLine(), Array("\u{FEFF}b".utf8))
        XCTAssertNil(try ChunkedFile(path: write("", to: "empty.txt", in: dir)).readLine())
        let onlyBOM = try ChunkedFile(path: write("\u{FEFF}", to: "bom.txt", in: dir))
        XCTAssertNil(try onlyBOM.readLine())
    }

    func testExactReadsMatchTheFileAtRandomSizes() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("chunked")
        let bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = write(bytes, to: "a.bin", in: dir)
        let file = try ChunkedFile(path: path, chunkSize: 64)
        XCTAssertEqual(file.size, bytes.count)
        var read = [UInt8]()
        while true {
            let chunk = try file.read(count: Int.random(in: 0...300, using: &generator))
            read += chunk
            if read.count >= bytes.count { break }
        }
        XCTAssertEqual(read, bytes, "seed \(seed)")
        XCTAssertEqual(try file.read(count: 10), [])
        XCTAssertEqual(file.position, bytes.count)
    }

    /// Issue 17.5: a JSON Lines line of exactly 1 MiB is read; one byte more is refused with the
    /// file, the line and the limit, and the buffer never grows past twice the limit.
    func testLineLimitIsOneMebibyteByDefault() throws {
        let dir = TemporaryDirectory("chunked")
        let limit = TextLimits.maximumLineLength
        let ok = try ChunkedFile(path: write("{}\n" + String(repeating: "x", count: limit) + "\r\n{}\n", to: "ok.jsonl", in: dir))
        XCTAssertEqual(try ok.readLine(), Array("{}".utf8))
        XCTAssertEqual(try ok.readLine()?.count, limit)
        XCTAssertEqual(try ok.readLine(), Array("{}".utf8))
        for ending in ["\n", ""] {
            let path = write("{}\n" + String(repeating: "x", count: limit + 1) + ending, to: "long.jsonl", in: dir)
            let file = try ChunkedFile(path: path)
            _ = try file.readLine()
            XCTAssertThrowsError(try file.readLine()) { error in
                XCTAssertEqual(code(of: error), .invalidArgument)
                XCTAssertTrue("\(error)".contains("Line 2 of \(path) is longer than 1 MiB (1048576 bytes)"), "\(error)")
            }
        }
    }

    func testOverlongLineAndMissingFileAreErrors() throws {
        let dir = TemporaryDirectory("chunked")
        let file = try ChunkedFile(
            path: write(String(repeating: "y", count: 1000), to: "a.txt", in: dir),
            chunkSize: 16, maximumLineLength: 100)
        XCTAssertThrowsError(try file.readLine()) { XCTAssertEqual(code(of: $0), .invalidArgument) }
        XCTAssertThrowsError(try ChunkedFile(path: dir.path("missing.txt"))) { error in
            XCTAssertEqual(code(of: error), .io)
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
        XCTAssertThrowsError(try ChunkedFile(path: dir.path)) { XCTAssertEqual(code(of: $0), .io) }
    }
}
