import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation
import XCTest

/// Builds `.npy` files byte by byte, independently of the reader under test.
enum NpyWriter {
    /// The header dict text NumPy writes, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func dict(descr: String, fortranOrder: Bool = false, shape: [Int]) -> String {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
    }

    /// Magic, version, header length (2 bytes for v1, 4 for v2/v3), the dict padded with spaces
    /// and a newline to a multiple of 64 bytes, then `data`.
    static func file(dict: String, version: UInt8 = 1, data: [UInt8]) -> [UInt8] {
        let lengthBytes = version == 1 ? 2 : 4
        let preamble = 6 + 2 + lengthBytes
        var header = Array(dict.utf8)
        let padding = (64 - (preamble + header.count + 1) % 64) % 64
        header += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        for i in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: header.count >> (8 * i))) }
        return bytes + header + data
    }

    /// Row-major little-endian float32 bytes.
    static func float32(_ rows: [[Float]]) -> [UInt8] {
        rows.flatMap { $0 }.flatMap { littleEndian($0.bitPattern) }
    }

    /// Row-major little-endian float64 bytes.
    static func float64(_ rows: [[Double]]) -> [UInt8] {
        rows.flatMap { $0 }.flatMap { littleEndian($0.bitPattern) }
    }

    /// Row-major little-endian float16 bytes from bit patterns.
    static func float16(_ rows: [[UInt16]]) -> [UInt8] {
        rows.flatMap { $0 }.flatMap { littleEndian($0) }
    }

    /// A whole float32 `.npy` file.
    static func float32File(_ rows: [[Float]], version: UInt8 = 1) -> [UInt8] {
        file(dict: dict(descr: "<f4", shape: [rows.count, rows.first?.count ?? 0]), version: version, data: float32(rows))
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// Builds `.fvecs` files.
enum FvecsWriter {
    static func file(_ rows: [[Float]]) -> [UInt8] {
        rows.flatMap { row in NpyWriter.littleEndian(Int32(row.count)) + NpyWriter.float32([row]) }
    }
}

/// What draining a source gave: every item until the end or the first error.
struct Drained {
    var items: [ImportItem] = []
    var error: (any Error)?

    var rows: [ImportRow] {
        items.compactMap { if case .row(let r) = $0 { return r } else { return nil } }
    }
    var rejected: [RejectedRow] {
        items.compactMap { if case .rejected(let r) = $0 { return r } else { return nil } }
    }
    var faceDBError: FaceDBError? { error as? FaceDBError }
}

/// Reads `source` to its end or its first error, at most `limit` items (a guard against loops).
func drain(_ source: any EmbeddingSource, limit: Int = 10_000_000) -> Drained {
    var source = source
    var result = Drained()
    do {
        while let item = try source.next() {
            result.items.append(item)
            if result.items.count > limit {
                XCTFail("the source yielded more than \(limit) items")
                break
            }
        }
        XCTAssertNil(try source.next(), "next() after the end must stay nil")
    } catch {
        result.error = error
    }
    return result
}

/// Writes `bytes` (or text) to a file in `directory` and returns its path.
@discardableResult
func write(_ bytes: [UInt8], to name: String, in directory: TemporaryDirectory) -> String {
    let path = directory.path(name)
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)), path)
    return path
}

@discardableResult
func write(_ text: String, to name: String, in directory: TemporaryDirectory) -> String {
    write(Array(text.utf8), to: name, in: directory)
}

/// A labels file of `count` lines `person-0`, `person-1`, ...
func plainLabels(_ count: Int) -> String {
    (0..<count).map { "person-\($0)\n" }.joined()
}

/// `count` rows of `dimension` seeded Gaussian values.
func randomRows(_ count: Int, _ dimension: Int, _ generator: inout SeededGenerator) -> [[Float]] {
    var rows = [[Float]]()
    for _ in 0..<count { rows.append((0..<dimension).map { _ in generator.nextGaussian() }) }
    return rows
}

/// The code of an error, or nil when it is not a ``FaceDBError``.
func code(of error: (any Error)?) -> FaceDBError.Code? {
    (error as? FaceDBError)?.code
}
