import FaceDBCalibration
import FaceDBCore

/// What ``FaceDatabase/calibrate(_:)-3g7s1`` measured.
public struct CalibrationReport: Sendable {
    /// The ROC of the sampled genuine and impostor scores.
    public var roc: ROC
    /// FNMR and threshold at each standard FMR the impostor count supports.
    public var points: [ROCPoint]
    /// The equal error rate and its threshold.
    public var equalErrorRate: EqualErrorRate
    /// The chosen operating point (stored unless the options said not to); nil when the impostor
    /// pairs cannot measure the target FMR (see ``limitation``).
    public var operatingPoint: OperatingPoint?
    /// Without an operating point: what the data measured and what more data would allow, in one line.
    public var limitation: String?
    /// The 1:N measurement, when there were enough probes.
    public var identification: FPIRCalibration?
    /// Why there is no 1:N threshold, when there is none.
    public var identificationNote: String?
    /// Faces and identities the measurement used.
    public var faces: Int
    /// Identities the measurement used.
    public var identities: Int
}
