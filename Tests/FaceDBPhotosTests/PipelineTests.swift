import FaceDBCore
import FaceDBPhotos
import Foundation
import XCTest

/// File in, chips out, against dlib's golden pipeline (detections at upsample 1 → landmarks → chips).
final class PipelineTests: XCTestCase {
    func testFileToChipsMatchesDlib() throws {
        let pipeline = FaceChipPipeline(detector: try DetectorGoldenTests.detector(), predictor: try LandmarkGoldenTests.predictor.get())
        for name in [
            "faces/john_f_kennedy/congress_bioguide.jpg", "other/obama_exif_orientation6.jpg",
            "faces/eileen_collins/nasa_portrait.png", "other/chelsea.png",
        ] {
            let golden = try DetectionFixtures.image(name)
            let faces = try pipeline.faces(inFileAt: golden.photoPath)
            let expected = golden.detections.upsample1
            XCTAssertEqual(faces.count, expected.count, name)
            for (face, e) in zip(faces, expected) {
                let r = face.detection.rectangle
                XCTAssertEqual([r.left, r.top, r.right, r.bottom], e.rect_ltrb, name)
                XCTAssertEqual(face.detection.confidence, e.confidence, accuracy: 1e-3, name)
                XCTAssertEqual(face.landmarks.points.map { [$0.x, $0.y] }, e.landmarks5, name)
                XCTAssertEqual(String(face.chip.checksum64), e.chip_h64, name)
            }
        }
    }
}

/// One pipeline shared by concurrent callers gives each the same faces as a serial call.
final class PipelineConcurrencyTests: XCTestCase {
    func testConcurrentCallersGetSerialResults() throws {
        let pipeline = FaceChipPipeline(detector: try DetectorGoldenTests.detector(), predictor: try LandmarkGoldenTests.predictor.get())
        let names = [
            "faces/al_gore/congress_bioguide.jpg", "faces/kamala_harris/congress_bioguide.jpg",
            "faces/richard_nixon/congress_bioguide.jpg", "faces/mike_pence/congress_bioguide.jpg",
        ]
        let images = try names.map { try DetectionFixtures.decoded(try DetectionFixtures.image($0)) }
        let serial = try images.map {
            try pipeline.faces(in: $0).map { [$0.detection.rectangle.left, $0.detection.rectangle.top, Int($0.chip.checksum64 % 1_000_000)] }
        }
        let results = LockedBox<[Int: [[Int]]]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let faces = try? pipeline.faces(in: images[i % images.count])
            let summary = faces?.map { [$0.detection.rectangle.left, $0.detection.rectangle.top, Int($0.chip.checksum64 % 1_000_000)] } ?? []
            results.withLock { $0[i] = summary }
        }
        for i in 0..<8 {
            XCTAssertEqual(results.withLock { $0[i] }, serial[i % images.count], names[i % images.count])
        }
        XCTAssert(serial.allSatisfy { $0.count == 1 }, "each portrait has one face")
    }
}
