import Crypto

/// The SHA-256 digests FaceDB records and checks (model files against their published checksums,
/// photos in a face's provenance), through swift-crypto.
package enum Checksum {
    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    package static func sha256Hex(of bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
