import Crypto
import Foundation

/// AES-256-GCM (swift-crypto) over one value at a time: each sealed value carries its own random
/// 96-bit nonce and is bound to a context (for a stored value: its column family and key), given
/// as associated data, so a value copied to another row, another family or another database
/// does not open.
///
/// Sealed layout: `0xE1 ‖ nonce (12) ‖ ciphertext (as long as the plaintext) ‖ tag (16)`.
package struct DataCipher: Sendable {
    private let key: SymmetricKey
    /// Nonces for every cipher of the process.
    private static let nonces = NoncePool()

    /// The first byte of every sealed value (layout version 1).
    package static let marker: UInt8 = 0xE1
    /// Bytes a sealed value has beyond its plaintext.
    package static let overhead = 1 + 12 + 16

    /// A cipher with this 32-byte key.
    package init(key: [UInt8]) {
        precondition(key.count == 32, "AES-256 takes a 32-byte key")
        self.key = SymmetricKey(data: key)
    }

    /// `plaintext` sealed, bound to `context`.
    package func seal(_ plaintext: UnsafeRawBufferPointer, context: UnsafeRawBufferPointer) -> [UInt8] {
        // Sealing fails only for a nonce or key of the wrong size, which these are not; with a
        // 12-byte nonce the box always has its combined form (nonce ‖ ciphertext ‖ tag), copied
        // once after the marker (building it from the box's separate parts measured 1 µs more).
        let box = Self.nonces.withNonce { nonce in
            try! AES.GCM.seal(plaintext, using: key, nonce: try! AES.GCM.Nonce(data: nonce), authenticating: context)
        }
        let combined = box.combined!
        return [UInt8](unsafeUninitializedCapacity: combined.count + 1) { buffer, count in
            buffer[0] = Self.marker
            _ = combined.copyBytes(to: UnsafeMutableBufferPointer(rebasing: buffer[1...]))
            count = combined.count + 1
        }
    }

    /// ``seal(_:context:)`` with the context as bytes.
    package func seal(_ plaintext: UnsafeRawBufferPointer, context: [UInt8]) -> [UInt8] {
        context.withUnsafeBytes { seal(plaintext, context: $0) }
    }

    /// ``seal(_:context:)`` for byte arrays.
    package func seal(_ plaintext: [UInt8], context: [UInt8]) -> [UInt8] {
        plaintext.withUnsafeBytes { p in context.withUnsafeBytes { c in seal(p, context: c) } }
    }

    /// The plaintext of a sealed value, or nil when it does not open with this key and context
    /// (another key, another row, altered bytes, not a sealed value).
    package func open(_ sealed: UnsafeRawBufferPointer, context: UnsafeRawBufferPointer) -> [UInt8]? {
        guard sealed.count >= Self.overhead, sealed[0] == Self.marker,
            let box = try? AES.GCM.SealedBox(combined: UnsafeRawBufferPointer(rebasing: sealed[1...])),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: context)
        else { return nil }
        return [UInt8](plaintext)
    }

    /// Opens a sealed value into `target`, which must have room for exactly its plaintext
    /// (`sealed.count - overhead` bytes): false when it does not open (as ``open(_:context:)``
    /// returning nil) or the sizes differ. For large values, which are then not copied again.
    package func open(_ sealed: UnsafeRawBufferPointer, context: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) -> Bool {
        guard sealed.count >= Self.overhead, sealed[0] == Self.marker, target.count == sealed.count - Self.overhead,
            let box = try? AES.GCM.SealedBox(combined: UnsafeRawBufferPointer(rebasing: sealed[1...])),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: context)
        else { return false }
        return plaintext.copyBytes(to: target) == target.count
    }

    /// ``open(_:context:)`` with the context as bytes.
    package func open(_ sealed: UnsafeRawBufferPointer, context: [UInt8]) -> [UInt8]? {
        context.withUnsafeBytes { open(sealed, context: $0) }
    }

    /// ``open(_:context:)`` for byte arrays.
    package func open(_ sealed: [UInt8], context: [UInt8]) -> [UInt8]? {
        sealed.withUnsafeBytes { s in context.withUnsafeBytes { c in open(s, context: c) } }
    }
}
