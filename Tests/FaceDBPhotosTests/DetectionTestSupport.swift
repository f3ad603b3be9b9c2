import FaceDBCore
import FaceDBPhotos
import FaceDBTestSupport
import Foundation
import XCTest

/// One image of `Fixtures/pipeline.json` (the golden outputs of dlib 20.0.1, descriptors removed).
struct GoldenImage: Decodable {
    struct Face: Decodable {
        var rect_ltrb: [Int]
        var confidence: Double
        var landmarks5: [[Int]]
        var chip_png: String
        var chip_h64: String
    }
    struct Detections: Decodable {
        var upsample0: [Face]
        var upsample1: [Face]
    }
    var file: String
    var sha256: String
    var source_mode: String
    var exif_orientation: Int?
    var width: Int
    var height: Int
    var rgb_h64: String
    var detections: Detections

    /// The photo's path inside the test bundle.
    var photoPath: String {
        DetectionFixtures.directory.appendingPathComponent("photos")
            .appendingPathComponent(file.replacingOccurrences(of: "/", with: "__")).path
    }

    func faces(upsample: Int) -> [Face] { upsample == 0 ? detections.upsample0 : detections.upsample1 }
}

enum DetectionFixtures {
    private struct File: Decodable { var images: [GoldenImage] }

    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    /// Every golden image, read once.
    static func images() throws -> [GoldenImage] { try cached.get() }
    private static let cached = Result {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: directory.appendingPathComponent("pipeline.json"))).images
    }

    /// The golden image whose file is `name` (e.g. "other/rocket.jpg").
    static func image(_ name: String) throws -> GoldenImage {
        try XCTUnwrap(try images().first { $0.file == name }, "no golden entry \(name)")
    }

    /// Decoded photos, cached per process (decoding is tested on its own).
    static func decoded(_ golden: GoldenImage) throws -> RGBImage {
        try decodedCache.withLock { cache in
            if let image = cache[golden.file] { return image }
            let image = try ImageDecoder().decode(contentsOf: golden.photoPath)
            cache[golden.file] = image
            return image
        }
    }
    private static let decodedCache = LockedBox<[String: RGBImage]>([:])

    /// The raw bytes of a photo.
    static func bytes(_ golden: GoldenImage) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: golden.photoPath)))
    }
}

/// A value behind a lock (test helper).
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// The model files, located like the library does; tests that need them fail with the library's
/// missing-model error, unless `FACEDB_SKIP_MODEL_TESTS=1` (then they are skipped).
enum DetectionModels {
    static func path(_ file: ModelFile) throws -> String {
        if ProcessInfo.processInfo.environment["FACEDB_SKIP_MODEL_TESTS"] == "1" {
            throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1: tests that need the model files are skipped")
        }
        return try ModelDirectory().path(of: file)
    }
}

/// A seeded generator whose seed is printed when the test fails.
func detectionSeededGenerator(_ test: XCTestCase) -> SeededGenerator {
    let seed = SeededGenerator.seedFromEnvironment()
    test.addTeardownBlock { [weak test] in
        if let run = test?.testRun, run.failureCount + run.unexpectedExceptionCount > 0 {
            print("\(test?.name ?? "test") failed with seed \(seed); replay with FACEDB_TEST_SEED=\(seed)")
        }
    }
    return SeededGenerator(seed: seed)
}
