/// Why a photo or a face was not accepted, with what was measured and the limit it broke.
public struct QualityIssue: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The kinds of problems.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The photo could not be read or decoded.
        case unreadable
        /// No face was found.
        case noFace = "no-face"
        /// Several faces were found where one was expected.
        case severalFaces = "several-faces"
        /// The face is smaller than the minimum face size.
        case faceTooSmall = "face-too-small"
        /// The detector is not confident enough that this is a face.
        case lowConfidence = "low-confidence"
        /// The face is blurred.
        case blurry
        /// The head is turned or tilted too far.
        case extremePose = "extreme-pose"
        /// The face does not look like the identity it is being enrolled into.
        case identityMismatch = "identity-mismatch"
        /// The face passes the 1:1 threshold against another identity's face.
        case duplicatePerson = "duplicate-person"
    }

    /// What is wrong.
    public var kind: Kind
    /// The measured value, when there is one (e.g. the sharpness).
    public var measured: Double?
    /// The limit it broke, when there is one.
    public var threshold: Double?
    /// The explanation in words.
    public var message: String

    /// Makes an issue.
    public init(_ kind: Kind, measured: Double? = nil, threshold: Double? = nil, _ message: String) {
        self.kind = kind
        self.measured = measured
        self.threshold = threshold
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
