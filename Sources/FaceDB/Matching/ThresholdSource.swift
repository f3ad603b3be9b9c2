/// Where the threshold behind a decision came from.
public enum ThresholdSource: String, Codable, Sendable {
    /// Measured on this database by `calibrate`: 1:N, at the target false-positive identification rate.
    case calibratedIdentification = "calibrated-1:N"
    /// Measured on this database by `calibrate`: 1:1, at the target false-match rate.
    case calibratedVerification = "calibrated-1:1"
    /// The model's published default (e.g. 0.6 for dlib's ResNet); not measured on this data.
    case modelDefault = "model-default"
    /// Given by the caller.
    case caller
    /// None known.
    case none
}
