import FaceDBCore
import Foundation
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

/// The CNN detector against dlib's golden boxes on every fixture at upsample 0 and 1.
final class DetectorGoldenTests: XCTestCase {
    static let cachedDetector = Result { try FaceDetector(contentsOf: try ModelDirectory().path(of: .faceDetector)) }

    static func detector() throws -> FaceDetector {
        _ = try DetectionModels.path(.faceDetector)
        return try cachedDetector.get()
    }

    /// Same rectangles as dlib, confidences within 1e-3, on every fixture, at upsample 0.
    func testBoxesMatchDlibOnEveryFixtureUpsample0() throws { try checkEveryFixture(upsamples: [0]) }

    /// Same rectangles as dlib, confidences within 1e-3, on every fixture, at upsample 1.
    func testBoxesMatchDlibOnEveryFixtureUpsample1() throws { try checkEveryFixture(upsamples: [1]) }

    private func checkEveryFixture(upsamples: [Int]) throws {
        let detector = try Self.detector()
        var faces = 0, matched = 0, maxDifference = 0.0
        var failures: [String] = []
        for golden in try DetectionFixtures.images() {
            let image = try DetectionFixtures.decoded(golden)
            for upsample in upsamples {
                let found = try detector.detect(in: image, upsample: upsample)
                let expected = golden.faces(upsample: upsample)
                faces += expected.count
                let rects = found.map { [$0.rectangle.left, $0.rectangle.top, $0.rectangle.right, $0.rectangle.bottom] }
                if rects != expected.map(\.rect_ltrb) {
                    failures.append(
                        "\(golden.file) up\(upsample): \(rects) \(found.map(\.confidence)) vs dlib \(expected.map(\.rect_ltrb)) \(expected.map(\.confidence))"
                    )
                    continue
                }
                for (f, e) in zip(found, expected) {
                    let d = abs(f.confidence - e.confidence)
                    maxDifference = max(maxDifference, d)
                    if d <= 1e-3 {
                        matched += 1
                    } else {
                        failures.append("\(golden.file) up\(upsample): confidence \(f.confidence) vs \(e.confidence)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(faces, 30)
        print(
            "detector golden (upsample \(upsamples)): \(matched) of \(faces) dlib faces matched (boxes identical), max |Δconfidence| = \(maxDifference)"
        )
        XCTAssertEqual(failures, [])
    }

    /// The worked example of specification 4.4 (obama, upsample 0) and the cat, coffee and rocket
    /// photos without faces.
    func testNoFaceImagesAndReference() throws {
        let detector = try Self.detector()
        for name in ["other/chelsea.png", "other/coffee.png", "other/rocket.jpg"] {
            let image = try DetectionFixtures.decoded(try DetectionFixtures.image(name))
            XCTAssertEqual(try detector.detect(in: image, upsample: 0), [], name)
            XCTAssertEqual(try detector.detect(in: image, upsample: 1), [], name)
        }
    }
}
