import Foundation

/// A small, fast, repeatable random number generator (SplitMix64) for tests and benchmarks.
///
/// Tests print the seed on failure so a failing case can be replayed:
/// `FACEDB_TEST_SEED=1234 swift test --filter ...`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    /// Starts from `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// A seed from `FACEDB_TEST_SEED` if set, else a fresh random one.
    public static func seedFromEnvironment() -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["FACEDB_TEST_SEED"], let seed = UInt64(text) {
            return seed
        }
        return UInt64.random(in: 0...UInt64.max)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11) * 0x1.0p-53 + 0x1.0p-54
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
