import FaceDBCore
import FaceDBPhotos
import FaceDBTestSupport
import Foundation
import XCTest

final class AnnotatorTests: XCTestCase {
    /// Boxes, landmarks and labels are drawn on a copy; the PNG on disk reads back identical; pixels
    /// away from the annotations are untouched.
    func testAnnotateWritesBoxesLandmarksAndLabels() throws {
        let golden = try DetectionFixtures.image("faces/barack_obama/wh_official_portrait_2012.jpg")
        let photo = try DetectionFixtures.decoded(golden)
        let face = golden.faces(upsample: 0)[0]
        let rect = DlibRectangle(left: face.rect_ltrb[0], top: face.rect_ltrb[1], right: face.rect_ltrb[2], bottom: face.rect_ltrb[3])
        let landmarks = FaceLandmarks(points: face.landmarks5.map { FaceLandmarks.Point(x: $0[0], y: $0[1]) })
        let annotation = FaceAnnotation(rectangle: rect, landmarks: landmarks, label: "Obama 0.35")
        let dir = TemporaryDirectory("annotate")
        let path = dir.path("annotated.png")
        try Annotator.write(photo, faces: [annotation], to: path)
        let written = try ImageDecoder().decode(contentsOf: path)
        XCTAssertEqual(written, Annotator.annotate(photo, faces: [annotation]))
        XCTAssertEqual(written.width, photo.width)
        XCTAssertEqual(written.height, photo.height)

        func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
            let i = (y * image.width + x) * 3
            return Array(image.pixels[i..<(i + 3)])
        }
        // The box edge just outside the rectangle is green.
        XCTAssertEqual(pixel(written, rect.left - 1, (rect.top + rect.bottom) / 2), [0, 200, 0])
        XCTAssertEqual(pixel(written, (rect.left + rect.right) / 2, rect.bottom + 1), [0, 200, 0])
        // Every landmark is red.
        for p in landmarks.points { XCTAssertEqual(pixel(written, p.x, p.y), [255, 0, 0]) }
        // The label strip above the box holds white text on green.
        let stripRow = rect.top - 8
        let strip = (rect.left..<(rect.left + 40)).map { pixel(written, $0, stripRow) }
        XCTAssert(
            strip.contains([255, 255, 255])
                || (rect.top - 20..<rect.top).contains { y in
                    (rect.left..<(rect.left + 60)).contains { pixel(written, $0, y) == [255, 255, 255] }
                }, "label text drawn")
        // Far from the face nothing changed, and the input photo was not modified.
        XCTAssertEqual(pixel(written, 5, photo.height - 5), pixel(photo, 5, photo.height - 5))
        XCTAssertEqual(photo, try DetectionFixtures.decoded(golden))
        let changed = zip(written.pixels, photo.pixels).filter { $0 != $1 }.count
        XCTAssert(changed > 0 && changed < photo.pixels.count / 10, "only the annotations change pixels (\(changed) bytes)")
    }

    /// Boxes partly outside the photo and labels at the top edge are clipped, not crashed on.
    func testAnnotationsAreClipped() throws {
        let image = try RGBImage(width: 40, height: 30, pixels: [UInt8](repeating: 90, count: 40 * 30 * 3))
        let out = Annotator.annotate(
            image,
            faces: [
                FaceAnnotation(rectangle: DlibRectangle(left: -10, top: -5, right: 20, bottom: 12), label: "edge case"),
                FaceAnnotation(rectangle: DlibRectangle(left: 100, top: 100, right: 120, bottom: 120), label: "outside"),
            ])
        XCTAssertEqual(out.width, 40)
        XCTAssertNotEqual(out, image)
    }
}
