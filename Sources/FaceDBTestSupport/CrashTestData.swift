import Foundation

/// What the crash-safety writer (`facedb-crash-writer`) writes, so the test can check it exactly.
public enum CrashTestData {
    /// The number of faces of batch `n`.
    public static func faceCount(batch n: Int) -> Int { 1 + n % 5 }

    /// The vector of face `j` of batch `n`: a pure function of its arguments.
    public static func vector(batch n: Int, face j: Int, dimension: Int) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(n) &* 1000 &+ UInt64(j))
        return (0..<dimension).map { _ in generator.nextGaussian() }
    }

    /// The directory holding the built executables (the one the test bundle runs from).
    public static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
