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
        // Sealing fails only for a nonce or key of the wrong size, which these are not.
        let box = try! AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: context)
        var sealed = [UInt8]()
        sealed.reserveCapacity(plaintext.count + Self.overhead)
        sealed.append(Self.marker)
        box.nonce.withUnsafeBytes { sealed.append(contentsOf: $0) }
        sealed.append(contentsOf: box.ciphertext)
        sealed.append(contentsOf: box.tag)
        return sealed
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
            let nonce = try? AES.GCM.Nonce(data: UnsafeRawBufferPointer(rebasing: sealed[1..<13])),
            let box = try? AES.GCM.SealedBox(
                nonce: nonce, ciphertext: UnsafeRawBufferPointer(rebasing: sealed[13..<(sealed.count - 16)]),
                tag: UnsafeRawBufferPointer(rebasing: sealed[(sealed.count - 16)...])),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: context)
        else { return nil }
        return [UInt8](plaintext)
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
