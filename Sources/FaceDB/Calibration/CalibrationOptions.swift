import FaceDBCalibration
import FaceDBCore

/// Options of ``FaceDatabase/calibrate(_:)-3g7s1``.
public struct CalibrationOptions: Sendable {
    /// The false-match rate the 1:1 threshold is chosen for (default 1e-3).
    public var targetFMR: Double
    /// The false-positive identification rate the 1:N threshold is chosen for (default 1e-2).
    public var targetFPIR: Double
    /// At most this many impostor pairs are sampled (default 1,000,000).
    public var maxImpostorPairs: Int
    /// At most this many genuine pairs are sampled (default 1,000,000).
    public var maxGenuinePairs: Int
    /// At most this many faces are loaded (whole identities, chosen at random; default 50,000).
    public var maxFaces: Int
    /// At most this many identities are searched as impostor probes for the 1:N threshold (default 2,000).
    public var maxIdentificationProbes: Int
    /// The seed of every random choice.
    public var seed: UInt64
    /// Store the result as the database's operating point (default true).
    public var store: Bool

    /// Options with the documented defaults.
    public init(
        targetFMR: Double = 1e-3, targetFPIR: Double = 1e-2, maxImpostorPairs: Int = 1_000_000, maxGenuinePairs: Int = 1_000_000,
        maxFaces: Int = 50_000, maxIdentificationProbes: Int = 2_000, seed: UInt64 = 1, store: Bool = true
    ) {
        self.targetFMR = targetFMR
        self.targetFPIR = targetFPIR
        self.maxImpostorPairs = maxImpostorPairs
        self.maxGenuinePairs = maxGenuinePairs
        self.maxFaces = maxFaces
        self.maxIdentificationProbes = maxIdentificationProbes
        self.seed = seed
        self.store = store
    }
}
