import FaceDBCore
import FaceDBNeural
import FaceDBTestSupport
import Foundation
import XCTest

/// One golden face of `Fixtures/descriptors.json`: a 150×150 chip and dlib 20.0.1's descriptor.
struct GoldenFace {
    var name: String
    var person: String
    var chip: RGBImage
    var descriptor: [Float]
}

enum Fixtures {
    private struct File: Decodable {
        struct Face: Decodable {
            var chip: String
            var person: String
            var descriptor: [Double]
        }
        var faces: [Face]
    }

    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    /// Every golden face (the chip bytes are checked against their length).
    static func goldenFaces() throws -> [GoldenFace] {
        let data = try Data(contentsOf: directory.appendingPathComponent("descriptors.json"))
        let file = try JSONDecoder().decode(File.self, from: data)
        return try file.faces.map { face in
            let bytes = try Data(contentsOf: directory.appendingPathComponent(face.chip))
            return GoldenFace(
                name: face.chip, person: face.person,
                chip: try RGBImage(width: 150, height: 150, pixels: [UInt8](bytes)),
                descriptor: face.descriptor.map { Float($0) })
        }
    }
}

/// The real model files, located through the models directory as the library does.
///
/// Tests that need them FAIL with the library's missing-model error (naming the file, where it was
/// looked for and `Tools/fetch-models`) when they are absent, unless `FACEDB_SKIP_MODEL_TESTS=1`.
enum RealModel {
    static var skipRequested: Bool { ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" }

    /// The path of the ResNet model file (its size checked).
    static func resnetPath() throws -> String {
        if skipRequested { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1: tests that need the model files are skipped") }
        return try cachedPath.get()
    }

    // Size only: SHA-256 in a debug build costs seconds per test process, and the checksum path is
    // tested on its own (ModelDirectoryTests); a wrong model fails the golden tests anyway.
    private static let cachedPath = Result { try ModelDirectory().path(of: .faceEmbedder, verifyChecksum: false) }

    /// The parsed ResNet, read once per process.
    static func resnet() throws -> ResNetModel {
        _ = try resnetPath()
        return try cachedModel.get()
    }

    private static let cachedModel = Result { try DlibResNetReader.read(contentsOf: try cachedPath.get()) }

    /// The model file's bytes.
    static func resnetBytes() throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try resnetPath())))
    }
}

/// A seeded generator whose seed is printed when the test fails.
func seededGenerator(_ test: XCTestCase) -> SeededGenerator {
    let seed = SeededGenerator.seedFromEnvironment()
    test.addTeardownBlock { [weak test] in
        if let run = test?.testRun, run.failureCount + run.unexpectedExceptionCount > 0 {
            print("\(test?.name ?? "test") failed with seed \(seed); replay with FACEDB_TEST_SEED=\(seed)")
        }
    }
    return SeededGenerator(seed: seed)
}

extension SeededGenerator {
    /// A tensor of uniform values in [-1, 1).
    mutating func tensor(_ shape: TensorShape) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.count).map { _ in Float.random(in: -1..<1, using: &self) })
    }

    /// `count` uniform values in [-1, 1).
    mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1..<1, using: &self) }
    }
}

/// Asserts that two tensors have the same shape and agree within `tolerance` element-wise.
func assertClose(
    _ actual: Tensor, _ expected: Tensor, tolerance: Float, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    var worst: Float = 0, worstIndex = 0
    for i in actual.values.indices {
        let d = abs(actual.values[i] - expected.values[i])
        if !(d <= worst) { worst = d; worstIndex = i }
    }
    XCTAssert(worst <= tolerance, "\(what): max abs difference \(worst) at index \(worstIndex) (tolerance \(tolerance))", file: file, line: line)
}
