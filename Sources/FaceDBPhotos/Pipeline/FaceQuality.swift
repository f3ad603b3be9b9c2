import FaceDBCore
import FaceDBNeural
import Foundation

/// What the quality gate measures on one detected face (see ``QualityGate``).
public struct FaceQuality: Sendable, Codable, Hashable {
    /// The detector's confidence.
    public var confidence: Double
    /// The shorter side of the face box, in pixels of the photo.
    public var faceSize: Int
    /// Sharpness: the variance of the Laplacian of the aligned chip's gray levels (0…255). Blurred
    /// or heavily compressed faces score low; sharp ones score in the hundreds or more.
    public var sharpness: Double
    /// Head turn (yaw) from the landmarks: how far the nose sits from the middle of the eyes, as a
    /// fraction of half the distance between the eyes' centres. 0 is frontal; near 1 the nose lies
    /// over one eye (a strong profile); the sign says which way.
    public var yaw: Double
    /// Head tilt (roll) in degrees: the angle of the line through the eyes' centres.
    public var roll: Double

    /// Makes a set of measurements.
    public init(confidence: Double, faceSize: Int, sharpness: Double, yaw: Double, roll: Double) {
        self.confidence = confidence
        self.faceSize = faceSize
        self.sharpness = sharpness
        self.yaw = yaw
        self.roll = roll
    }

    /// The variance of the 4-neighbour Laplacian over the chip's interior, on gray levels
    /// `0.299 R + 0.587 G + 0.114 B`.
    public static func sharpness(of chip: RGBImage) -> Double {
        let w = chip.width
        let h = chip.height
        guard w >= 3, h >= 3 else { return 0 }
        var gray = [Double](repeating: 0, count: w * h)
        chip.pixels.withUnsafeBufferPointer { p in
            for i in 0..<(w * h) {
                gray[i] = 0.299 * Double(p[3 * i]) + 0.587 * Double(p[3 * i + 1]) + 0.114 * Double(p[3 * i + 2])
            }
        }
        var sum = 0.0
        var sumSquares = 0.0
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let i = y * w + x
                let l = gray[i - 1] + gray[i + 1] + gray[i - w] + gray[i + w] - 4 * gray[i]
                sum += l
                sumSquares += l * l
            }
        }
        let n = Double((w - 2) * (h - 2))
        let mean = sum / n
        return max(0, sumSquares / n - mean * mean)
    }

    /// Yaw and roll from dlib's five points (0–1: one eye's outer and inner corner, 2–3: the other
    /// eye's, 4: the base of the nose; the order of the shape predictor and the chip template).
    package static func pose(of landmarks: FaceLandmarks) -> (yaw: Double, roll: Double) {
        let p = landmarks.points.map { (x: Double($0.x), y: Double($0.y)) }
        guard p.count == 5 else { return (0, 0) }
        let a = (x: (p[2].x + p[3].x) / 2, y: (p[2].y + p[3].y) / 2)
        let b = (x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2)
        let dx = b.x - a.x
        let dy = b.y - a.y
        let distance = (dx * dx + dy * dy).squareRoot()
        guard distance > 0 else { return (0, 0) }
        let roll = atan2(dy, dx) * 180 / .pi
        // The nose's position along the eye line, from the middle of the eyes, in half eye distances.
        let mid = (x: (a.x + b.x) / 2, y: (a.y + b.y) / 2)
        let along = ((p[4].x - mid.x) * dx + (p[4].y - mid.y) * dy) / distance
        return (along / (distance / 2), roll)
    }
}
