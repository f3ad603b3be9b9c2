import FaceDBCore
import Foundation

/// A bounds-checked reader of dlib's serialization primitives (specification sections 1.1–1.3):
/// varint integers, "float_details" floats, bools, strings, tensors and alias tensors.
///
/// Every read checks the remaining length first, so a truncated or altered file produces a
/// ``DlibDecoder/Failure`` with the byte offset, never an out-of-bounds read.
package struct DlibDecoder {
    /// Why decoding stopped: the byte offset and what was expected there.
    package struct Failure: Error, CustomStringConvertible {
        /// Where in the file.
        package var offset: Int
        /// What went wrong, e.g. "expected the layer tag 'con_4' but found 'con_5'".
        package var reason: String
        /// Whether the file simply ended too early.
        package var truncated: Bool
        package var description: String { "at byte \(offset): \(reason)" }
    }

    private let bytes: [UInt8]
    /// The read position.
    package private(set) var offset = 0
    /// What is being read, for error messages (e.g. "convolution 12 (level3 ares_down64)").
    package var context = ""

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// Bytes left after the read position.
    package var remaining: Int { bytes.count - offset }
    /// Whether the whole input has been read.
    package var isAtEnd: Bool { offset == bytes.count }

    package func fail(_ reason: String, at position: Int? = nil, truncated: Bool = false) -> Failure {
        Failure(offset: position ?? offset, reason: context.isEmpty ? reason : "\(context): \(reason)", truncated: truncated)
    }

    private mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(Failure) -> Int {
        guard count >= 0, count <= remaining else {
            throw fail("the file ends in the middle of \(what()) (needs \(count) bytes, \(remaining) left)", truncated: true)
        }
        let start = offset
        offset += count
        return start
    }

    /// One raw byte.
    package mutating func readByte(_ what: @autoclosure () -> String = "a byte") throws(Failure) -> UInt8 {
        bytes[try take(1, what())]
    }

    /// A dlib integer (1.1): control byte (bit 7 = sign, bits 0–3 = length 1…8), then little-endian magnitude.
    package mutating func readInteger(_ what: @autoclosure () -> String = "an integer") throws(Failure) -> Int64 {
        let start = offset
        let control = try readByte(what())
        let length = Int(control & 0x0F)
        guard (1...8).contains(length) else {
            throw fail("invalid integer control byte 0x\(String(control, radix: 16)) in \(what())", at: start)
        }
        let first = try take(length, what())
        var magnitude: UInt64 = 0
        for i in 0..<length { magnitude |= UInt64(bytes[first + i]) << UInt64(8 * i) }
        if control & 0x80 != 0 {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw fail("integer out of range in \(what())", at: start) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw fail("integer out of range in \(what())", at: start) }
        return Int64(magnitude)
    }

    /// A dlib integer that must lie in `range` (e.g. a version number or a dimension).
    package mutating func readInt(_ what: @autoclosure () -> String, in range: ClosedRange<Int>) throws(Failure) -> Int {
        let start = offset
        let value = try readInteger(what())
        guard value >= Int64(range.lowerBound), value <= Int64(range.upperBound) else {
            throw fail(
                "\(what()) is \(value), expected \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)…\(range.upperBound)")",
                at: start)
        }
        return Int(value)
    }

    /// A dlib integer that must equal `expected`.
    package mutating func expectInt(_ expected: Int, _ what: @autoclosure () -> String) throws(Failure) {
        _ = try readInt(what(), in: expected...expected)
    }

    /// A "float_details" value (1.2): mantissa then exponent, mantissa converted to `Float` then scaled.
    package mutating func readFloat(_ what: @autoclosure () -> String = "a float") throws(Failure) -> Float {
        let (mantissa, exponent) = try readFloatParts(what())
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default: return Float(sign: .plus, exponent: Int(exponent), significand: Float(mantissa))
        }
    }

    /// A "float_details" value decoded into a `Double`.
    package mutating func readDouble(_ what: @autoclosure () -> String = "a double") throws(Failure) -> Double {
        let (mantissa, exponent) = try readFloatParts(what())
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default: return Double(sign: .plus, exponent: Int(exponent), significand: Double(mantissa))
        }
    }

    private mutating func readFloatParts(_ what: @autoclosure () -> String) throws(Failure) -> (Int64, Int64) {
        guard remaining > 0 else { throw fail("the file ends in the middle of \(what())", truncated: true) }
        guard bytes[offset] & 0x70 == 0 else {
            throw fail("\(what()) is in dlib's legacy text float format (or the file is damaged)")
        }
        let mantissa = try readInteger(what())
        let start = offset
        let exponent = try readInteger(what())
        guard (-32768...32767).contains(exponent) else { throw fail("float exponent \(exponent) out of range in \(what())", at: start) }
        return (mantissa, exponent)
    }

    /// A bool: ASCII '1' or '0'.
    @discardableResult
    package mutating func readBool(_ what: @autoclosure () -> String = "a bool") throws(Failure) -> Bool {
        let start = offset
        switch try readByte(what()) {
        case 0x31: return true
        case 0x30: return false
        case let byte: throw fail("\(what()) should be '0' or '1' but is byte 0x\(String(byte, radix: 16))", at: start)
        }
    }

    /// A string: length, then raw bytes (at most `maxLength`).
    package mutating func readString(_ what: @autoclosure () -> String, maxLength: Int = 256) throws(Failure) -> String {
        let length = try readInt("the length of \(what())", in: 0...maxLength)
        let start = try take(length, what())
        return String(decoding: bytes[start..<(start + length)], as: UTF8.self)
    }

    /// A layer's version tag, which must be one of `accepted`; returns the one found.
    @discardableResult
    package mutating func expectTag(_ accepted: [String], _ what: @autoclosure () -> String) throws(Failure) -> String {
        let start = offset
        let tag = try readString("the tag of \(what())", maxLength: 64)
        guard accepted.contains(tag) else {
            let expected = accepted.map { "'\($0)'" }.joined(separator: " or ")
            throw fail(
                "expected the tag \(expected) of \(what()) but found '\(tag.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? String($0) : "?" }.joined())'",
                at: start)
        }
        return tag
    }

    /// A tensor shape (samples, k, nr, nc) with its version number.
    private mutating func readShape(version: Int, _ what: @autoclosure () -> String) throws(Failure) -> TensorShape {
        try expectInt(version, "the version of \(what())")
        let limit = 1 << 28
        let n = try readInt("the sample count of \(what())", in: 0...limit)
        let k = try readInt("the channel count of \(what())", in: 0...limit)
        let r = try readInt("the row count of \(what())", in: 0...limit)
        let c = try readInt("the column count of \(what())", in: 0...limit)
        let (nk, o1) = n.multipliedReportingOverflow(by: k)
        let (nkr, o2) = nk.multipliedReportingOverflow(by: r)
        let (count, o3) = nkr.multipliedReportingOverflow(by: c)
        guard !o1, !o2, !o3, count <= limit else { throw fail("\(what()) has an impossible size \(n)×\(k)×\(r)×\(c)") }
        return TensorShape(samples: n, channels: k, rows: r, columns: c)
    }

    /// A `resizable_tensor`: version 2, dims, raw little-endian float32 values.
    package mutating func readTensor(_ what: @autoclosure () -> String) throws(Failure) -> Tensor {
        let shape = try readShape(version: 2, what())
        let start = try take(shape.count * 4, "the values of \(what())")
        var values = [Float](repeating: 0, count: shape.count)
        values.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + shape.count * 4)]))
            }
        }
        #if _endian(big)
            values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return Tensor(shape: shape, values: values)
    }

    /// A `resizable_tensor` that is read and discarded (training state such as gradients).
    package mutating func skipTensor(_ what: @autoclosure () -> String) throws(Failure) {
        let shape = try readShape(version: 2, what())
        _ = try take(shape.count * 4, "the values of \(what())")
    }

    /// An `alias_tensor` (version 1, dims, no data) that must have the `expected` shape.
    package mutating func expectAliasTensor(_ expected: TensorShape, _ what: @autoclosure () -> String) throws(Failure) {
        let start = offset
        let shape = try readShape(version: 1, what())
        guard shape == expected else { throw fail("\(what()) has shape \(shape), expected \(expected)", at: start) }
    }
}
