import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

final class StreamingMemoryTests: XCTestCase {
    /// The process's resident set size in bytes, from `/proc/self/status`.
    private func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else {
            throw XCTSkip("no VmRSS in /proc/self/status")
        }
        return kilobytes * 1024
    }

    /// The value of row `i`, column `j` of the generated matrix.
    private func value(_ i: Int, _ j: Int) -> Float { Float(i &* 131 &+ j) }

    func testReadingA50MBNpyKeepsMemoryFlat() throws {
        let dir = TemporaryDirectory("stream")
        let dimension = 128
        let rowsPerBlock = 2048
        let blocks = 50
        let rows = rowsPerBlock * blocks
        let npyPath = dir.path("big.npy")
        let labelsPath = dir.path("labels.txt")
        do {
            XCTAssertTrue(FileManager.default.createFile(atPath: npyPath, contents: nil))
            let npy = try FileHandle(forWritingTo: URL(fileURLWithPath: npyPath))
            try npy.write(contentsOf: NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [rows, dimension]), data: []))
            XCTAssertTrue(FileManager.default.createFile(atPath: labelsPath, contents: nil))
            let labels = try FileHandle(forWritingTo: URL(fileURLWithPath: labelsPath))
            var block = [Float](repeating: 0, count: rowsPerBlock * dimension)
            for b in 0..<blocks {
                for r in 0..<rowsPerBlock {
                    for j in 0..<dimension { block[r * dimension + j] = value(b * rowsPerBlock + r, j) }
                }
                try npy.write(contentsOf: block.withUnsafeBytes { Data($0) })
                try labels.write(contentsOf: Data((0..<rowsPerBlock).map { "p\((b * rowsPerBlock + $0) % 1000)\n" }.joined().utf8))
            }
            try npy.close()
            try labels.close()
        }
        let fileSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: npyPath)[.size] as? Int)
        XCTAssertGreaterThan(fileSize, 50 << 20)

        var reader = try NpyReader(path: npyPath, labels: LabelsReader(path: labelsPath))
        _ = try reader.next()
        let before = try residentBytes()
        var count = 1
        var mismatches = 0
        while let item = try reader.next() {
            guard case .row(let row) = item else { return XCTFail("row \(count + 1) rejected: \(item)") }
            if row.embedding[0] != value(count, 0) || row.embedding[dimension - 1] != value(count, dimension - 1)
                || row.identity != "p\(count % 1000)"
            {
                mismatches += 1
            }
            count += 1
        }
        let after = try residentBytes()
        XCTAssertEqual(count, rows)
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(reader.bytesRead, fileSize)
        XCTAssertLessThan(
            after - before, 8 << 20,
            "resident memory grew from \(before >> 20) MiB to \(after >> 20) MiB reading a \(fileSize >> 20) MiB file")
    }
}
