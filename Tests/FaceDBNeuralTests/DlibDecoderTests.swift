import XCTest

@testable import FaceDBNeural

/// The serialization primitives against the byte examples of spec section 1.
final class DlibDecoderTests: XCTestCase {
    func testIntegersOfTheSpec() throws {
        let examples: [([UInt8], Int64)] = [
            ([0x01, 0x01], 1), ([0x01, 0x50], 80), ([0x02, 0xC0, 0x04], 1216), ([0x81, 0x11], -17),
            ([0x81, 0x36], -54), ([0x81, 0x0A], -10), ([0x01, 0x00], 0),
            ([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], Int64.max),
        ]
        for (bytes, value) in examples {
            var d = DlibDecoder(bytes: bytes)
            XCTAssertEqual(try d.readInteger(), value, "\(bytes)")
            XCTAssertTrue(d.isAtEnd)
        }
    }

    func testInvalidIntegersAreErrors() {
        for bytes: [UInt8] in [[0x00], [0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0x02, 0x01], [], [0x08, 0, 0, 0, 0, 0, 0, 0, 0x80]] {
            var d = DlibDecoder(bytes: bytes)
            XCTAssertThrowsError(try d.readInteger(), "\(bytes)")
        }
    }

    func testFloatsOfTheSpec() throws {
        var d = DlibDecoder(bytes: [0x03, 0x62, 0x90, 0xF5, 0x81, 0x11])
        XCTAssertEqual(try d.readFloat(), 122.78199768066406)
        d = DlibDecoder(bytes: [0x01, 0x00, 0x01, 0x28])
        XCTAssertEqual(try d.readFloat(), 0)
        d = DlibDecoder(bytes: [0x03, 0x0A, 0xD7, 0xA3, 0x81, 0x1C])
        XCTAssertEqual(try d.readFloat(), 0.04)
        d = DlibDecoder(bytes: [0x07, 0x8C, 0x6A, 0x54, 0xF2, 0x50, 0xA6, 0x15, 0x81, 0x36])
        XCTAssertEqual(try d.readDouble(), 0x1.5a650f2546a8cp-2)
        d = DlibDecoder(bytes: [0x01, 0x10, 0x81, 0x04, 0x81, 0x10, 0x81, 0x04])
        XCTAssertEqual(try d.readDouble(), 1.0)
        XCTAssertEqual(try d.readFloat(), -1.0)
        d = DlibDecoder(bytes: [0x01, 0x00, 0x02, 0x00, 0x7D, 0x01, 0x00, 0x02, 0x02, 0x7D])
        XCTAssertEqual(try d.readFloat(), .infinity)  // exponent 32000
        XCTAssertTrue(try d.readFloat().isNaN)  // exponent 32002
        // The legacy ASCII float format is rejected.
        d = DlibDecoder(bytes: [0x31, 0x2E, 0x35])
        XCTAssertThrowsError(try d.readFloat())
    }

    func testStringsBoolsAndTensors() throws {
        var d = DlibDecoder(bytes: [0x01, 0x05] + Array("con_4".utf8) + [0x31, 0x30, 0x32])
        XCTAssertEqual(try d.expectTag(["con_4"], "a convolution"), "con_4")
        XCTAssertTrue(try d.readBool())
        XCTAssertFalse(try d.readBool())
        XCTAssertThrowsError(try d.readBool())

        let values: [Float] = [1.5, -2, 0.25]
        let raw = values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> UInt32(8 * $0)) } }
        d = DlibDecoder(bytes: [0x01, 0x02, 0x01, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01] + raw)
        let tensor = try d.readTensor("a tensor")
        XCTAssertEqual(tensor.shape, TensorShape(samples: 3, channels: 1, rows: 1, columns: 1))
        XCTAssertEqual(tensor.values, values)
        XCTAssertTrue(d.isAtEnd)

        // A tensor whose data is cut short, and one with an absurd size, are errors, not reads past the end.
        d = DlibDecoder(bytes: [0x01, 0x02, 0x01, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01] + raw.dropLast())
        XCTAssertThrowsError(try d.readTensor("a tensor")) { XCTAssertTrue(($0 as! DlibDecoder.Failure).truncated) }
        d = DlibDecoder(bytes: [0x01, 0x02, 0x04, 0xFF, 0xFF, 0xFF, 0x0F, 0x04, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x01, 0x01, 0x01])
        XCTAssertThrowsError(try d.readTensor("a tensor"))
    }

    func testSHA256KnownVectors() {
        func hex(_ text: String) -> String { Array(text.utf8).withUnsafeBytes { Checksum.sha256Hex(of: $0) } }
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(String(repeating: "a", count: 1000)),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
