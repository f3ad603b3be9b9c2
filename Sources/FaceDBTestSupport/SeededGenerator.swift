import FaceDBCore
import Foundation

/// The repeatable random numbers of tests and benchmarks: ``SplitMix64`` plus its seed and Gaussians.
///
/// Tests print the seed on failure so a failing case can be replayed:
/// `FACEDB_TEST_SEED=1234 swift test --filter ...`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var bits: SplitMix64

    /// Starts from `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        self.bits = SplitMix64(seed: seed)
    }

    /// A seed from `FACEDB_TEST_SEED` if set, else a fresh random one.
    public static func seedFromEnvironment() -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["FACEDB_TEST_SEED"], let seed = UInt64(text) {
            return seed
        }
        return UInt64.random(in: 0...UInt64.max)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { bits.next() }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11) * 0x1.0p-53 + 0x1.0p-54
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
