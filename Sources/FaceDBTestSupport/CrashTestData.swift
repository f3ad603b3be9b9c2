import Foundation

/// What the crash-safety writer (`facedb-crash-writer`) writes, so the test can check it exactly.
public enum CrashTestData {
    /// The number of faces of batch `n`.
    /// Every eleventh batch is big enough (5,000 faces) to be written as a bulk load (table files
    /// ingested into the store, above its 4,096-face threshold); the others hold 1 to 5 faces.
    public static func faceCount(batch n: Int) -> Int { n % 11 == 3 ? 5_000 : 1 + n % 5 }

    /// The vector of face `j` of batch `n`: a pure function of its arguments.
    public static func vector(batch n: Int, face j: Int, dimension: Int) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(n) &* 1_000_003 &+ UInt64(j))
        return (0..<dimension).map { _ in generator.nextGaussian() }
    }

    /// The directory holding the built executables (the one the test bundle runs from).
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
