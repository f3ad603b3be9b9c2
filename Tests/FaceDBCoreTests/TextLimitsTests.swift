import FaceDBCore
import FaceDBTestSupport
import Foundation
import Glibc
import XCTest

/// `body`'s FaceDBError of `code`, failing the test otherwise.
private func assertFaceDBError(
    _ code: FaceDBError.Code, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) -> FaceDBError? {
    do {
        try body()
        XCTFail("expected \(code), nothing was thrown", file: file, line: line)
    } catch let error as FaceDBError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected FaceDBError \(code), got \(error)", file: file, line: line)
    }
    return nil
}

/// Issue 17.5: text input is refused past its limits while it is read, never held whole.
final class TextLimitsTests: XCTestCase {
    /// A pipe whose write end a thread feeds with `total` bytes of `byte` (then closes it); the
    /// reader stops early, so the writer stops at EPIPE.
    private func pipe(feeding total: Int, of byte: UInt8) -> (read: Int32, writer: Thread) {
        var fds: [Int32] = [0, 0]
        precondition(Glibc.pipe(&fds) == 0)
        signal(SIGPIPE, SIG_IGN)
        let writeEnd = fds[1]
        let writer = Thread {
            let chunk = [UInt8](repeating: byte, count: 64 << 10)
            var sent = 0
            while sent < total {
                let n = chunk.withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, min($0.count, total - sent)) }
                if n <= 0 { break }
                sent += n
            }
            Glibc.close(writeEnd)
        }
        writer.start()
        return (fds[0], writer)
    }

    func testZerosOnAPipeAreRefusedAtTheLineLimit() throws {
        // 512 MiB of zeros offered, as `< /dev/zero` would offer without end.
        let (fd, _) = pipe(feeding: 512 << 20, of: 0)
        defer { Glibc.close(fd) }
        let reader = BoundedLineReader(descriptor: fd, name: "standard input")
        let error = assertFaceDBError(.invalidArgument) { _ = try reader.readLine() }
        XCTAssertTrue(
            error?.message.contains("Line 1 of standard input is longer than 1 MiB (1048576 bytes)") ?? false, "\(String(describing: error))")
        XCTAssertNotNil(error?.remedy)
    }

    func testALineJustUnderTheLimitPassesAndJustOverIsRefused() throws {
        let directory = TemporaryDirectory("text-limits")
        let limit = TextLimits.maximumLineLength
        for (length, ending) in [(limit, "\n"), (limit, "\r\n"), (limit, "")] {
            let path = directory.path("ok")
            try Data(("[1]\n" + String(repeating: "7", count: length) + ending + (ending.isEmpty ? "" : "[2]")).utf8).write(
                to: URL(fileURLWithPath: path))
            let reader = try BoundedLineReader(path: path)
            XCTAssertEqual(try reader.readLine(), "[1]")
            XCTAssertEqual(try reader.readLineBytes()?.count, length)
            XCTAssertEqual(try reader.readLine(), ending.isEmpty ? nil : "[2]")
        }
        let path = directory.path("long")
        try Data(("[1]\n" + String(repeating: "7", count: limit + 1) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let reader = try BoundedLineReader(path: path)
        XCTAssertEqual(try reader.readLine(), "[1]")
        let error = assertFaceDBError(.invalidArgument) { _ = try reader.readLine() }
        XCTAssertEqual(error?.path, path)
        XCTAssertTrue(error?.message.contains("Line 2 of \(path) is longer than 1 MiB") ?? false, "\(String(describing: error))")
    }

    func testInputPastTheDocumentLimitIsRefused() throws {
        // Short lines without end: the total, not the line, is over.
        let (fd, _) = pipe(feeding: 80 << 20, of: UInt8(ascii: "\n"))
        defer { Glibc.close(fd) }
        let reader = BoundedLineReader(descriptor: fd, name: "standard input", maximumTotalLength: 1 << 20)
        let error = assertFaceDBError(.invalidArgument) { while try reader.readLine() != nil {} }
        XCTAssertTrue(error?.message.contains("standard input is longer than 1 MiB") ?? false, "\(String(describing: error))")
        // Without a total limit (a shell script) the same lines are read to the end.
        let (other, _) = pipe(feeding: 3 << 20, of: UInt8(ascii: "\n"))
        defer { Glibc.close(other) }
        let unlimited = BoundedLineReader(descriptor: other, name: "standard input", maximumTotalLength: nil)
        var lines = 0
        while try unlimited.readLine() != nil { lines += 1 }
        XCTAssertEqual(lines, 3 << 20)
    }
}
