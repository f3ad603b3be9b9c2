import FaceDBCore
import FaceDBTestSupport
import XCTest

/// The snapshot checksum is XXH64: known answers, and any chunking gives the same hash.
final class XXHash64Tests: XCTestCase {
    /// Bytes (31 i + 7) mod 256.
    private let sample: [UInt8] = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }

    func testKnownAnswers() {
        // Reference values from the xxHash project's implementation (python-xxhash).
        let expected: [(Int, UInt64)] = [
            (0, 0xEF46_DB37_51D8_E999), (1, 0xA96C_7F0C_E858_BBB7), (3, 0x56E6_9576_32A4_87F9),
            (4, 0xC60D_15B1_E3FF_8F04), (7, 0xAFBE_FC3D_6C6F_9A8E), (8, 0x3DA5_C7AA_2696_83E0),
            (31, 0x4A74_F3A1_A39A_D4A1), (32, 0x8D57_D6A4_671C_C43D), (33, 0x62C9_FD21_ED85_7664),
            (63, 0x5C32_0A0D_2707_057F), (64, 0x7BBA_BBC4_5729_D17E), (100, 0xEFA0_AD2D_3E70_C151),
            (1_000, 0x9959_4F48_2804_3D35),
        ]
        for (length, hash) in expected {
            XCTAssertEqual(XXHash64.hash(Array(sample.prefix(length))), hash, "length \(length)")
        }
        XCTAssertEqual(XXHash64.hash(Array("abc".utf8)), 0x44BC_2CF5_AD77_0999)
        XCTAssertEqual(XXHash64.hash(Array(sample.prefix(100)), seed: 0x9E37_79B9_7F4A_7C15), 0xBC7A_B33B_E752_8C18)
    }

    func testStreamingInAnyChunksEqualsOneShot() {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let whole = XXHash64.hash(sample)
        for _ in 0..<200 {
            var hasher = XXHash64()
            var offset = 0
            while offset < sample.count {
                let n = min(Int(generator.next() % 70), sample.count - offset)
                hasher.update(Array(sample[offset..<offset + n]))
                offset += n
            }
            XCTAssertEqual(hasher.finalize(), whole, "seed \(seed)")
        }
    }

    func testEveryBitMatters() {
        let whole = XXHash64.hash(sample)
        for bit in stride(from: 0, to: sample.count * 8, by: 13) {
            var flipped = sample
            flipped[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            XCTAssertNotEqual(XXHash64.hash(flipped), whole, "bit \(bit)")
        }
    }
}
