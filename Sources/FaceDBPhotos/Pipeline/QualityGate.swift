import Foundation

/// Checks detected faces against ``QualityThresholds`` and says why one is not good enough, in the
/// spirit of Rekognition's quality filter: size, detector confidence, sharpness and pose.
public struct QualityGate: Sendable {
    /// The limits.
    public var thresholds: QualityThresholds

    /// A gate with these limits.
    public init(_ thresholds: QualityThresholds = QualityThresholds()) {
        self.thresholds = thresholds
    }

    /// Every limit `quality` breaks, in a fixed order (size, confidence, sharpness, pose); empty
    /// when the face passes.
    public func issues(_ quality: FaceQuality) -> [QualityIssue] {
        let t = thresholds
        var issues: [QualityIssue] = []
        if quality.faceSize < t.minimumFaceSize {
            issues.append(
                QualityIssue(
                    .faceTooSmall, measured: Double(quality.faceSize), threshold: Double(t.minimumFaceSize),
                    "the face is \(quality.faceSize) px across; at least \(t.minimumFaceSize) px are needed"))
        }
        if quality.confidence < t.minimumConfidence {
            issues.append(
                QualityIssue(
                    .lowConfidence, measured: quality.confidence, threshold: t.minimumConfidence,
                    String(format: "detector confidence %.3f is below %.3f", quality.confidence, t.minimumConfidence)))
        }
        if quality.sharpness < t.minimumSharpness {
            issues.append(
                QualityIssue(
                    .blurry, measured: quality.sharpness, threshold: t.minimumSharpness,
                    String(format: "sharpness %.1f is below %.1f (the face is blurred)", quality.sharpness, t.minimumSharpness)))
        }
        if abs(quality.yaw) > t.maximumYaw {
            issues.append(
                QualityIssue(
                    .extremePose, measured: quality.yaw, threshold: t.maximumYaw,
                    String(format: "the head is turned too far (yaw %.2f, at most %.2f)", quality.yaw, t.maximumYaw)))
        } else if abs(quality.roll) > t.maximumRoll {
            issues.append(
                QualityIssue(
                    .extremePose, measured: quality.roll, threshold: t.maximumRoll,
                    String(format: "the head is tilted too far (roll %.1f°, at most %.1f°)", quality.roll, t.maximumRoll)))
        }
        return issues
    }
}
