import FaceDBCore
import FaceDBNeural

/// What happened to each photo of an enrolment.
public struct Enrollment: Sendable {
    /// One photo's outcome.
    public struct Outcome: Sendable {
        /// The photo's path, or the name given with its bytes or image (``Photo/name``).
        public var path: String
        /// The stored face's id when the photo was accepted.
        public var faceID: FaceID?
        /// Why the photo was refused (empty when accepted).
        public var issues: [QualityIssue]
        /// The measurements of the face considered, when one was found.
        public var quality: FaceQuality?
        /// Whether the photo's face was stored.
        public var accepted: Bool { faceID != nil }
    }

    /// The identity enrolled into.
    public var identity: String
    /// One outcome per photo, in the order given.
    public var outcomes: [Outcome]
    /// How many photos were stored.
    public var accepted: Int { outcomes.filter(\.accepted).count }
    /// How many photos were refused.
    public var rejected: Int { outcomes.count - accepted }
}
