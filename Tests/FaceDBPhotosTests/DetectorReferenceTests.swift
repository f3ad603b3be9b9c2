import FaceDBCore
import Foundation
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

/// Specification 4.4, 4.5 and 10.4 on the face_recognition test photos (obama.jpg is the fixture
/// `wh_official_portrait_2012.jpg`, obama2.jpg `wh_congress_address_2009.jpg`, biden.jpg
/// `wh_blue_room_2010_crop.jpg`: same decoded h64), and the minimum-face-size API.
final class DetectorReferenceTests: XCTestCase {
    private func obama() throws -> RGBImage {
        let image = try DetectionFixtures.decoded(try DetectionFixtures.image("faces/barack_obama/wh_official_portrait_2012.jpg"))
        XCTAssertEqual(image.checksum64, 2_818_610_259_081_932_356, "obama.jpg's h64 of 10.4")
        return image
    }

    /// 10.4: obama upsampled once is 2275×1822 with h64 10876267269470238021.
    func testPyramidUpOfObama() throws {
        let up = ImagePyramid.up(try obama())
        XCTAssertEqual(up.height, 2275)
        XCTAssertEqual(up.width, 1822)
        XCTAssertEqual(up.checksum64, 10_876_267_269_470_238_021)
    }

    /// 4.3/4.4: the 4139×932 tensor gives a 514×113 score map with 18 positive cells, the best
    /// 1.1023906 at (r 420, c 96), decoded to (375, 154, 611, 390).
    func testObamaScoreMapAndWorkedExample() throws {
        let detector = try DetectorGoldenTests.detector()
        let image = try obama()
        let layout = TiledPyramid(width: image.width, height: image.height)
        XCTAssertEqual(layout.rows, 4139)
        XCTAssertEqual(layout.columns, 932)
        let scores = detector.forward(image, layout: layout)
        XCTAssertEqual(scores.rows, 514)
        XCTAssertEqual(scores.columns, 113)
        XCTAssertEqual(scores.values.filter { $0 > 0 }.count, 18)
        let best = scores.values.indices.max { scores.values[$0] < scores.values[$1] }!
        XCTAssertEqual(best / scores.columns, 420)
        XCTAssertEqual(best % scores.columns, 96)
        XCTAssertEqual(Double(scores.values[best]), 1.1023906, accuracy: 1e-5)
        XCTAssertEqual(detector.model.cellStride, 8)
        XCTAssertEqual(detector.model.cellOffset, 14)
        let box = layout.toImage(DoubleRectangle.centred(x: 782, y: 3374, width: 80, height: 80))
        XCTAssertEqual(box.left, 374.73, accuracy: 0.005)
        XCTAssertEqual(box.rounded, DlibRectangle(left: 375, top: 154, right: 611, bottom: 390))
        let detections = detector.decode(scores: scores.values, rows: scores.rows, columns: scores.columns, layout: layout)
        XCTAssertEqual(detections.map(\.rectangle), [DlibRectangle(left: 375, top: 154, right: 611, bottom: 390)])
    }

    /// 4.5: mapping back from the upsampled image.
    func testPointDownMapping() {
        let r = DoubleRectangle(left: 711, top: 271, right: 1200, bottom: 760).pointDown
        XCTAssertEqual(r, DoubleRectangle(left: 354.25, top: 134.75, right: 598.75, bottom: 379.25))
        XCTAssertEqual(r.rounded, DlibRectangle(left: 354, top: 135, right: 599, bottom: 379))
    }

    /// 10.4's HOG boxes → landmarks, chip h64 and chip pixels (inputs independent of our detector).
    func testLandmarksAndChipsOnHOGBoxes() throws {
        let predictor = try LandmarkGoldenTests.predictor.get()
        let cases: [(String, DlibRectangle, [(Int, Int)], UInt64, [UInt8], [UInt8])] = [
            (
                "faces/barack_obama/wh_official_portrait_2012.jpg", DlibRectangle(left: 349, top: 142, right: 617, bottom: 409),
                [(570, 216), (528, 215), (424, 217), (463, 216), (496, 295)], 11_021_860_471_025_391_256, [98, 98, 90], [223, 158, 132]
            ),
            (
                "faces/barack_obama/wh_congress_address_2009.jpg", DlibRectangle(left: 171, top: 290, right: 438, bottom: 558),
                [(398, 387), (347, 382), (231, 372), (276, 377), (290, 471)], 8_127_238_156_139_196_146, [24, 31, 65], [190, 110, 72]
            ),
            (
                "faces/joe_biden/wh_blue_room_2010_crop.jpg", DlibRectangle(left: 419, top: 241, right: 740, bottom: 562),
                [(672, 356), (627, 347), (510, 320), (556, 331), (582, 428)], 2_109_131_864_485_863_702, [139, 113, 97], [152, 89, 86]
            ),
        ]
        for (name, rect, points, h64, corner, centre) in cases {
            let image = try DetectionFixtures.decoded(try DetectionFixtures.image(name))
            let landmarks = predictor.predict(in: image, rectangle: rect)
            XCTAssertEqual(landmarks.points.map { [$0.x, $0.y] }, points.map { [$0.0, $0.1] }, name)
            let chip = FaceAligner.chip(from: image, landmarks: landmarks)
            XCTAssertEqual(chip.checksum64, h64, name)
            XCTAssertEqual(Array(chip.pixels[0..<3]), corner, name)
            let c = (75 * 150 + 75) * 3
            XCTAssertEqual(Array(chip.pixels[c..<(c + 3)]), centre, name)
        }
    }

    /// The scaling plan: small minimum sizes upsample, large ones halve big photos, memory wins.
    func testScalingPlan() throws {
        let detector = try DetectorGoldenTests.detector()
        XCTAssert(try detector.scalingPlan(width: 600, height: 400, minimumFaceSize: 40) == (1, 0))
        XCTAssert(try detector.scalingPlan(width: 600, height: 400, minimumFaceSize: 80) == (0, 0))
        XCTAssert(try detector.scalingPlan(width: 600, height: 400, minimumFaceSize: 20) == (2, 0))
        XCTAssert(try detector.scalingPlan(width: 600, height: 400, minimumFaceSize: 400) == (0, 0), "small photos are not halved")
        XCTAssert(try detector.scalingPlan(width: 4000, height: 3000, minimumFaceSize: 160) == (0, 1))
        XCTAssert(try detector.scalingPlan(width: 4000, height: 3000, minimumFaceSize: 400) == (0, 1), "3 MP after one halving is not large")
        XCTAssert(try detector.scalingPlan(width: 8000, height: 6000, minimumFaceSize: 400) == (0, 2))
        // 12 MP at minimum size 40 would need ~5 GB upsampled: it runs at the photo's own scale.
        XCTAssert(try detector.scalingPlan(width: 4000, height: 3000, minimumFaceSize: 40) == (0, 0))
        XCTAssertThrowsError(try detector.scalingPlan(width: 10, height: 10, minimumFaceSize: 5))
        let small = FaceDetector(model: detector.model, memoryLimit: 64 << 20)
        XCTAssertThrowsError(try small.detect(in: try obama(), upsample: 1)) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .imageTooLarge)
        }
        XCTAssert(try small.scalingPlan(width: 910, height: 1137, minimumFaceSize: 40).downsample >= 1)
        // Upsampled obama: the 3×8221×1844 input tensor (182 MB) plus the banded layers' output,
        // well below the 430 MB that holding the first convolution's full output would need.
        let peak = detector.estimatedPeakBytes(width: 910, height: 1137, upsample: 1)
        XCTAssertGreaterThan(peak, 3 * 8221 * 1844 * 4)
        XCTAssertLessThan(peak, 300 << 20)
    }

    /// The default (40 px) equals dlib's upsample-1 call; a large photo with a large minimum face
    /// size is halved and still finds the face where dlib does.
    func testMinimumFaceSizeDetection() throws {
        let detector = try DetectorGoldenTests.detector()
        let golden = try DetectionFixtures.image("faces/joe_biden/senate_bioguide.jpg")
        let image = try DetectionFixtures.decoded(golden)
        XCTAssertEqual(try detector.detect(in: image), try detector.detect(in: image, upsample: 1))
        XCTAssertEqual(
            try detector.detect(in: image).map { [$0.rectangle.left, $0.rectangle.top, $0.rectangle.right, $0.rectangle.bottom] },
            golden.detections.upsample1.map(\.rect_ltrb))

        // obama doubled twice: 3642×4551 (16.6 MP); minimum face 160 px → one halving.
        let big = ImagePyramid.up(ImagePyramid.up(try obama()))
        XCTAssert(try detector.scalingPlan(width: big.width, height: big.height, minimumFaceSize: 160) == (0, 1))
        let faces = try detector.detect(in: big, minimumFaceSize: 160)
        XCTAssertEqual(faces.count, 1)
        // dlib's upsample-0 box (375, 154, 611, 390) mapped up twice ≈ ×4.
        let expected = DlibRectangle(left: 4 * 375, top: 4 * 154, right: 4 * 611, bottom: 4 * 390)
        let found = try XCTUnwrap(faces.first).rectangle
        let iou = Double(found.intersection(expected).area) / Double(found.area + expected.area - found.intersection(expected).area)
        XCTAssertGreaterThan(iou, 0.7, "\(found) vs \(expected)")
    }
}

/// Degenerate inputs: tiny and very thin images give no face and no crash.
final class DetectorEdgeTests: XCTestCase {
    func testTinyAndThinImages() throws {
        let detector = try DetectorGoldenTests.detector()
        var rng = detectionSeededGenerator(self)
        for (w, h) in [(1, 1), (2, 3), (5, 5), (9, 9), (30, 20), (1, 700), (700, 1), (3, 400), (400, 3)] {
            let image = try RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            for upsample in [0, 1] {
                XCTAssertEqual(try detector.detect(in: image, upsample: upsample), [], "\(w)×\(h) up\(upsample)")
            }
            XCTAssertEqual(try detector.detect(in: image), [], "\(w)×\(h)")
        }
    }

    /// A detector reuses its tensors between calls (only the pyramid's padding is cleared): a large
    /// photo, a small one, the large one again and a mid-sized one give exactly what a fresh
    /// detector gives for each.
    func testReusedWorkspacesGiveExactlyWhatFreshOnesGive() throws {
        let reused = try FaceDetector(model: DetectorGoldenTests.detector().model)
        let large = try DetectionFixtures.decoded(try DetectionFixtures.image("faces/barack_obama/wh_official_portrait_2012.jpg"))
        let small = try DetectionFixtures.decoded(try DetectionFixtures.image("faces/al_gore/congress_bioguide.jpg"))
        let middle = try DetectionFixtures.decoded(try DetectionFixtures.image("faces/jim_costa/congress_photo_b_current.jpg"))
        for (image, upsample) in [(large, 0), (small, 1), (large, 0), (middle, 0), (small, 0)] {
            let fresh = try FaceDetector(model: reused.model).detect(in: image, upsample: upsample)
            XCTAssertFalse(fresh.isEmpty)
            XCTAssertEqual(try reused.detect(in: image, upsample: upsample), fresh, "\(image.width)×\(image.height) upsample \(upsample)")
        }
        reused.releaseWorkspaces()
        XCTAssertEqual(try reused.detect(in: small, upsample: 0), try FaceDetector(model: reused.model).detect(in: small, upsample: 0))
    }
}
