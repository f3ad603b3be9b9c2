import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

/// The quality measures against values worked out by hand, and the gate's reasons.
final class QualityTests: XCTestCase {
    func image(_ width: Int, _ height: Int, _ gray: (Int, Int) -> UInt8) throws -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height { for x in 0..<width { let g = gray(x, y); pixels += [g, g, g] } }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    func testSharpnessIsTheVarianceOfTheLaplacian() throws {
        // Flat: no edges at all.
        XCTAssertEqual(FaceQuality.sharpness(of: try image(20, 20) { _, _ in 90 }), 0, accuracy: 1e-9)
        // A 0/255 checkerboard: every interior Laplacian is +4·255 (on a 0) or −4·255 (on a 255), so
        // the variance is (4·255)² · (1 − m²) with m the mean sign.
        let board = try image(21, 17) { x, y in (x + y) % 2 == 0 ? 0 : 255 }
        var plus = 0
        for y in 1..<16 { for x in 1..<20 where (x + y) % 2 == 0 { plus += 1 } }
        let n = 19 * 15
        let m = Double(plus - (n - plus)) / Double(n)
        XCTAssertEqual(FaceQuality.sharpness(of: board), 1020 * 1020 * (1 - m * m), accuracy: 0.5)
        // A linear ramp has a zero Laplacian inside.
        XCTAssertEqual(FaceQuality.sharpness(of: try image(30, 30) { x, _ in UInt8(x * 8) }), 0, accuracy: 1e-6)
        // Blurring lowers it.
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let noise = (0..<(40 * 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let sharp = try image(40, 40) { x, y in noise[y * 40 + x] }
        let blurred = try image(40, 40) { x, y in
            var sum = 0
            for dy in -2...2 { for dx in -2...2 { sum += Int(noise[min(39, max(0, y + dy)) * 40 + min(39, max(0, x + dx))]) } }
            return UInt8(sum / 25)
        }
        XCTAssertLessThan(FaceQuality.sharpness(of: blurred), FaceQuality.sharpness(of: sharp) / 10, "seed \(rng.seed)")
    }

    func testPoseFromTheFivePoints() {
        // dlib's chip template (spec 7.1) scaled to 100 px: a frontal, level face.
        let template: [(Double, Double)] = [(85.96, 21.35), (64.61, 22.90), (12.06, 21.37), (33.41, 22.91), (49.01, 62.78)]
        func landmarks(_ points: [(Double, Double)]) -> FaceLandmarks {
            FaceLandmarks(points: points.map { FaceLandmarks.Point(x: Int(($0.0 * 10).rounded()), y: Int(($0.1 * 10).rounded())) })
        }
        let frontal = FaceQuality.pose(of: landmarks(template))
        XCTAssertEqual(frontal.yaw, 0, accuracy: 0.02)
        XCTAssertEqual(frontal.roll, 0, accuracy: 1)
        // Rotated by 30° about the nose: roll 30°, yaw unchanged.
        let angle = 30.0 * .pi / 180
        let rotated = template.map { p -> (Double, Double) in
            let (dx, dy) = (p.0 - 49.01, p.1 - 62.78)
            return (49.01 + dx * cos(angle) - dy * sin(angle), 62.78 + dx * sin(angle) + dy * cos(angle))
        }
        let tilted = FaceQuality.pose(of: landmarks(rotated))
        XCTAssertEqual(tilted.roll, 30, accuracy: 1)
        XCTAssertEqual(tilted.yaw, 0, accuracy: 0.02)
        // The nose moved a quarter of the eye distance towards one eye: yaw 0.5 (in half eye distances).
        var turned = template
        let eyeDistance = (85.96 + 64.61) / 2 - (12.06 + 33.41) / 2
        turned[4].0 += eyeDistance / 4
        XCTAssertEqual(FaceQuality.pose(of: landmarks(turned)).yaw, 0.5, accuracy: 0.02)
    }

    func testTheGateNamesEveryLimitBroken() {
        let gate = QualityGate(QualityThresholds())
        let good = FaceQuality(confidence: 1.0, faceSize: 120, sharpness: 300, yaw: 0.1, roll: 3)
        XCTAssertEqual(gate.issues(good), [])
        let bad = FaceQuality(confidence: 0.1, faceSize: 20, sharpness: 2, yaw: 0.95, roll: 3)
        let issues = gate.issues(bad)
        XCTAssertEqual(issues.map(\.kind), [.faceTooSmall, .lowConfidence, .blurry, .extremePose])
        XCTAssertEqual(issues.map(\.measured), [20, 0.1, 2, 0.95])
        XCTAssertEqual(issues.map(\.threshold), [40, 0.3, 15, 0.8])
        XCTAssertEqual(gate.issues(FaceQuality(confidence: 1, faceSize: 100, sharpness: 100, yaw: 0, roll: -50)).first?.kind, .extremePose)
    }
}
