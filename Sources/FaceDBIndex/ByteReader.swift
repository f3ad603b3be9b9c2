/// Reads little-endian fields from a byte buffer, returning `nil` instead of reading past the end.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    /// The offset of the next unread byte.
    private(set) var offset = 0

    /// Reads from the start of `bytes`.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// How many bytes are left.
    var remaining: Int { bytes.count - offset }

    /// The next `count` bytes, or `nil` if fewer remain.
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// The next little-endian integer, or `nil` if too few bytes remain.
    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        guard let field = take(MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: field.loadUnaligned(as: T.self))
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
