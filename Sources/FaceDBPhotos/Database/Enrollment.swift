import FaceDBCore
import FaceDBNeural

/// What happened to each photo of an enrolment.
public struct Enrollment: Sendable {
    /// One photo's outcome.
    public struct Outcome: Sendable {
        /// The photo's path, or the name given with its bytes or image (``Photo/name``).
        public var path: String
        /// The stored face's id when the photo was accepted, or was stored before.
        public var faceID: FaceID?
        /// Why the photo was refused (empty when accepted).
        public var issues: [QualityIssue]
        /// The measurements of the face considered, when one was found.
        public var quality: FaceQuality?
        /// The photo (its SHA-256) was already stored for the identity, or came earlier in the same
        /// call: it was skipped, and ``faceID`` is the face stored for it.
        public var alreadyEnrolled = false
        /// The photo was stored before and its face replaced (``EnrollOptions/replace``).
        public var replaced = false
        /// Whether the photo's face was stored by this call.
        public var accepted: Bool { faceID != nil && !alreadyEnrolled }

        /// An outcome (``faceID`` nil until the face is stored).
        init(path: String, faceID: FaceID?, issues: [QualityIssue], quality: FaceQuality?) {
            self.path = path
            self.faceID = faceID
            self.issues = issues
            self.quality = quality
        }
    }

    /// The identity enrolled into.
    public var identity: String
    /// One outcome per photo, in the order given.
    public var outcomes: [Outcome]
    /// How many photos were stored by this call.
    public var accepted: Int { outcomes.filter(\.accepted).count }
    /// How many photos were skipped as stored before.
    public var skipped: Int { outcomes.filter(\.alreadyEnrolled).count }
    /// How many photos were refused.
    public var rejected: Int { outcomes.filter { !$0.issues.isEmpty }.count }
}
