import FaceDB
import FaceDBCore
import Foundation

/// The JSON forms of shell results that have no library type of their own (`--json`, `set format json`).
enum ShellResult {
    /// What `add` and `remove` changed.
    struct Change: Encodable {
        /// `added` or `removed`.
        var action: String
        /// The identity concerned (nil when faces were removed by id).
        var identity: String?
        /// The face ids added or removed.
        var faces: [Int64]?
    }

    /// A face as `show` lists it (without its embedding).
    /// `search face`: the faces closest to a stored face.
    struct FaceMatches: Encodable {
        /// The stored face searched with.
        var face: Int64
        /// The closest other faces, best first.
        var matches: [Match]

        /// One face found.
        struct Match: Encodable {
            var faceID: Int64
            var identity: String
            var score: Float

            enum CodingKeys: String, CodingKey {
                case identity, score
                case faceID = "face_id"
            }
        }

        init(face: Int64, matches: [FaceMatch]) {
            self.face = face
            self.matches = matches.map { Match(faceID: $0.faceID.rawValue, identity: $0.identity, score: $0.score) }
        }
    }

    struct FaceSummary: Encodable {
        /// The face id.
        var id: Int64
        /// When it was added.
        var created: Date
        /// Where it came from.
        var source: FaceSource?
        /// Its metadata.
        var metadata: JSONValue?

        /// The summary of a stored face.
        init(_ face: Face) {
            id = face.id.rawValue
            created = face.created
            source = face.source
            metadata = face.metadata
        }
    }

    /// `show`: the identity and its faces.
    struct IdentityDetail: Encodable {
        /// The identity.
        var identity: Identity
        /// Its faces.
        var faces: [FaceSummary]
    }

    /// `list` and `find`: the identities found.
    struct IdentityList: Encodable {
        /// How many were found.
        var count: Int
        /// The identities, in id order.
        var identities: [Identity]
    }

    /// The stored calibration, without its impostor tail.
    struct CalibrationSummary: Encodable {
        /// When it ran.
        var date: Date
        /// The 1:1 threshold.
        var verificationThreshold: Float
        /// The FMR it was chosen for.
        var targetFMR: Double
        /// The FMR measured at the threshold.
        var measuredFMR: Double
        /// The FNMR measured at the threshold.
        var fnmr: Double
        /// The 1:N threshold, if measured.
        var identificationThreshold: Float?
        /// The FPIR it was chosen for.
        var targetFPIR: Double?
        /// Genuine pairs measured.
        var genuinePairs: Int
        /// Impostor pairs measured.
        var impostorPairs: Int

        /// The summary of an operating point.
        init(_ p: OperatingPoint) {
            date = p.date
            verificationThreshold = p.verificationThreshold
            targetFMR = p.targetFMR
            measuredFMR = p.measuredFMR
            fnmr = p.fnmr
            identificationThreshold = p.identificationThreshold
            targetFPIR = p.targetFPIR
            genuinePairs = p.genuinePairs
            impostorPairs = p.impostorPairs
        }
    }

    /// `stats`: the database summary, its calibration and the 1:1 threshold in force.
    struct Stats: Encodable {
        /// Counts, space, index, size.
        var database: DatabaseStats
        /// The stored calibration, if any.
        var calibration: CalibrationSummary?
        /// The threshold 1:1 decisions use now.
        var threshold: Float?
        /// Where it comes from.
        var thresholdSource: ThresholdSource
    }
}
