import FaceDBCore
import FaceDBTestSupport
import XCTest

/// Sealed values open only with their key and context, in the documented layout, and every
/// nonce is fresh.
final class DataCipherTests: XCTestCase {
    func testSealedValuesOpenOnlyWithTheirKeyAndContext() {
        var generator = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let cipher = DataCipher(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for length in [0, 1, 15, 16, 560, 70_000] {
            let plain = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let context = Array("faces\u{0}".utf8) + [0, 0, 0, 0, 0, 0, 0, UInt8(length % 256)]
            let sealed = cipher.seal(plain, context: context)
            XCTAssertEqual(sealed.count, length + DataCipher.overhead)
            XCTAssertEqual(sealed[0], DataCipher.marker)
            XCTAssertEqual(cipher.open(sealed, context: context), plain)
            XCTAssertNil(cipher.open(sealed, context: context + [1]), "another context")
            XCTAssertNil(DataCipher(key: Array(repeating: 1, count: 32)).open(sealed, context: context), "another key")
            var altered = sealed
            altered[altered.count / 2] ^= 4
            XCTAssertNil(cipher.open(altered, context: context), "altered at \(altered.count / 2) of \(length)")
            XCTAssertNil(cipher.open(Array(sealed.dropLast()), context: context), "cut short")
            // In place: the exact room only.
            var target = [UInt8](repeating: 0, count: length)
            XCTAssertTrue(
                sealed.withUnsafeBytes { s in context.withUnsafeBytes { c in target.withUnsafeMutableBytes { cipher.open(s, context: c, into: $0) } }
                })
            XCTAssertEqual(target, plain)
            var tooBig = [UInt8](repeating: 0, count: length + 1)
            XCTAssertFalse(
                sealed.withUnsafeBytes { s in context.withUnsafeBytes { c in tooBig.withUnsafeMutableBytes { cipher.open(s, context: c, into: $0) } }
                })
        }
    }

    /// Two seals of one value differ (fresh nonces), and 100,000 nonces from the pool, drawn on
    /// two threads, are all distinct and not the pool's cleared bytes.
    func testNoncesAreFresh() throws {
        let cipher = DataCipher(key: Array(repeating: 3, count: 32))
        XCTAssertNotEqual(cipher.seal([1, 2, 3], context: []), cipher.seal([1, 2, 3], context: []))
        let pool = NoncePool()
        let drawn = try ConcurrentMap.map(2) { _ in (0..<50_000).map { _ in pool.withNonce { Array($0) } } }
        let all = drawn.flatMap { $0 }
        XCTAssertTrue(all.allSatisfy { $0.count == 12 })
        XCTAssertEqual(Set(all).count, all.count)
        XCTAssertFalse(all.contains(Array(repeating: 0, count: 12)))
    }
}
