import FaceDBCalibration
import FaceDBCore
import Foundation

/// The thresholds a database decides with, as measured by ``FaceDatabase/calibrate(_:)-3g7s1`` and stored
/// in the database (meta key `calibration`, `Schemas/calibration.schema.json`).
public struct OperatingPoint: Codable, Sendable, Hashable {
    /// 1:1 threshold in the metric's natural unit (a pair matches at `score <= threshold` for L2,
    /// `score >= threshold` otherwise).
    public var verificationThreshold: Float
    /// The false-match rate the 1:1 threshold was chosen for.
    public var targetFMR: Double
    /// The false-match rate measured at the threshold.
    public var measuredFMR: Double
    /// The false-non-match rate measured at the threshold.
    public var fnmr: Double
    /// Genuine (same-identity) pairs measured.
    public var genuinePairs: Int
    /// Impostor (different-identity) pairs measured.
    public var impostorPairs: Int
    /// The most similar impostor scores, to estimate the false-match rate of any score.
    public var impostorTail: ImpostorTail
    /// 1:N threshold keeping the false-positive identification rate at ``targetFPIR`` for a gallery of
    /// ``galleryIdentities`` identities, when there were enough probes to measure it.
    public var identificationThreshold: Float?
    /// The false-positive identification rate the 1:N threshold was chosen for.
    public var targetFPIR: Double?
    /// The gallery size the 1:N threshold was measured at.
    public var galleryIdentities: Int?
    /// Impostor probes searched for the 1:N threshold.
    public var identificationProbes: Int?
    /// When the calibration ran.
    public var date: Date
}
