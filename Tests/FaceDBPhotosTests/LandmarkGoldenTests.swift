import FaceDBCore
import Foundation
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

/// Landmarks and chips against dlib's golden outputs, on dlib's own boxes (so they do not depend on
/// the detector): every face of every fixture at upsample 0 and 1.
final class LandmarkGoldenTests: XCTestCase {
    static let predictor = Result { try ShapePredictor(contentsOf: try ModelDirectory().path(of: .landmarks5)) }

    private func predictor() throws -> ShapePredictor {
        _ = try DetectionModels.path(.landmarks5)
        return try Self.predictor.get()
    }

    func testLandmarksAndChipsMatchDlibOnEveryFixture() throws {
        let predictor = try predictor()
        var faces = 0, landmarkMatches = 0, chipMatches = 0
        var failures: [String] = []
        for golden in try DetectionFixtures.images() {
            let image = try DetectionFixtures.decoded(golden)
            for upsample in [0, 1] {
                for (i, face) in golden.faces(upsample: upsample).enumerated() {
                    faces += 1
                    let r = face.rect_ltrb
                    let rect = DlibRectangle(left: r[0], top: r[1], right: r[2], bottom: r[3])
                    let landmarks = predictor.predict(in: image, rectangle: rect)
                    let expected = face.landmarks5.map { FaceLandmarks.Point(x: $0[0], y: $0[1]) }
                    if landmarks.points == expected {
                        landmarkMatches += 1
                    } else {
                        failures.append(
                            "\(golden.file) up\(upsample)#\(i): landmarks \(landmarks.points.map { [$0.x, $0.y] }) vs dlib \(face.landmarks5)")
                    }
                    // The chip from dlib's landmarks, so a landmark miss does not hide a chip result.
                    let chip = FaceAligner.chip(from: image, landmarks: FaceLandmarks(points: expected))
                    if String(chip.checksum64) == face.chip_h64 {
                        chipMatches += 1
                    } else {
                        failures.append("\(golden.file) up\(upsample)#\(i): chip h64 \(chip.checksum64) vs dlib \(face.chip_h64)")
                    }
                }
            }
        }
        print("landmark golden: \(faces) faces, \(landmarkMatches) landmark sets identical, \(chipMatches) chips byte-identical")
        XCTAssertGreaterThan(faces, 80)
        XCTAssertEqual(failures, [])
    }

    /// Specification 10.4 / 7.3: the chip rectangle and angle for obama.jpg's landmarks.
    func testChipDetailsReference() {
        let landmarks = FaceLandmarks(
            points: [(570, 216), (528, 215), (424, 217), (463, 216), (496, 295)].map { FaceLandmarks.Point(x: $0.0, y: $0.1) })
        let details = FaceAligner.chipDetails(for: landmarks)
        XCTAssertEqual(details.left, 350.59581987070391, accuracy: 1e-9)
        XCTAssertEqual(details.top, 123.0668978833798, accuracy: 1e-9)
        XCTAssertEqual(details.right, 646.07204816054309, accuracy: 1e-9)
        XCTAssertEqual(details.bottom, 418.54312617321904, accuracy: 1e-9)
        XCTAssertEqual(details.angle, -0.0044412795437085125, accuracy: 1e-12)
    }

    /// A box partly or fully outside the image still gives landmarks (features outside are 0) and a
    /// chip with black where the sample leaves the image.
    func testFacesAtTheBorder() throws {
        let predictor = try predictor()
        let golden = try DetectionFixtures.image("faces/al_gore/congress_bioguide.jpg")
        let image = try DetectionFixtures.decoded(golden)
        let outside = predictor.predict(in: image, rectangle: DlibRectangle(left: -500, top: -500, right: -400, bottom: -400))
        XCTAssertEqual(outside.points.count, 5)
        let chip = FaceAligner.chip(
            from: image,
            landmarks: FaceLandmarks(points: [(-30, 5), (-40, 5), (-70, 5), (-60, 5), (-50, 30)].map { FaceLandmarks.Point(x: $0.0, y: $0.1) }))
        XCTAssertEqual(chip.width, 150)
        XCTAssert(chip.pixels.prefix(150 * 3).allSatisfy { $0 == 0 }, "the chip's first row lies outside the photo")
    }

    /// The reader rejects a truncated model with a model-corrupt error.
    func testTruncatedModelIsRejected() throws {
        let path = try DetectionModels.path(.landmarks5)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for cut in [3, 1000, bytes.count - 1] {
            XCTAssertThrowsError(try ShapePredictorReader.read(bytes: Array(bytes.prefix(cut)), path: "cut")) { error in
                XCTAssertEqual((error as? FaceDBError)?.code, .modelCorrupt)
            }
        }
    }
}
