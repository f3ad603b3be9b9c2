import FaceDBCore
import Foundation

/// What ``FaceDatabase/repair(from:into:options:)-1z440`` salvaged from a damaged database into a new
/// one, and what it could not. Encoded as JSON with snake_case keys (`facedb repair --json`).
public struct RepairReport: Codable, Sendable, Equatable {
    /// How leniently the copy of the damaged store was opened, from the strictest to the last resort.
    public enum RecoveryMode: String, Codable, Sendable {
        /// FaceDB's normal read-only open.
        case readOnly = "read-only"
        /// RocksDB read-only with point-in-time recovery of the write-ahead log (replayed up to its
        /// first damaged record; the writes after it are dropped) and paranoid checks off.
        case pointInTime = "point-in-time"
        /// `rocksdb_repair_db` on the copy (a new MANIFEST from the files found), then the lenient open.
        case repairDB = "repair-db"
    }

    /// A recovery mode that was tried and refused, and why.
    public struct RefusedMode: Codable, Sendable, Equatable {
        /// The mode tried.
        public var mode: RecoveryMode
        /// Why it did not do (the error's message and cause).
        public var reason: String
    }

    /// A run of keys a scan could not read (an unreadable block), and passed over.
    public struct SkippedRange: Codable, Sendable, Equatable {
        /// The column family (`faces`, `identities`, ...).
        public var family: String
        /// For `faces`: the first face id that may have been lost.
        public var firstFaceID: Int64?
        /// For `faces`: the last face id that may have been lost (nil: to the end of the family).
        public var lastFaceID: Int64?
        /// The error the scan hit.
        public var cause: String

        enum CodingKeys: String, CodingKey {
            case family, firstFaceID = "first_face_id", lastFaceID = "last_face_id", cause
        }
    }

    /// A row that was read but could not be decoded, or that the new database refused.
    public struct Row: Codable, Sendable, Equatable {
        /// The column family.
        public var family: String
        /// The key: a face id, an identity id, or hex for a malformed key.
        public var key: String
        /// Why it was not salvaged (for rows the new database refused).
        public var reason: String?
    }

    /// A value that could not be read at all.
    public struct ReadError: Codable, Sendable, Equatable {
        /// What was being read (`meta face_count`, `identities`, ...).
        public var what: String
        /// The error.
        public var cause: String
    }

    /// What became of the damaged database's index snapshot.
    public enum SnapshotStatus: String, Codable, Sendable {
        /// There was none.
        case missing
        /// It could not be read (damaged, or of a newer format).
        case unreadable
        /// It records another store's id (or the store's id could not be read): not compared.
        case otherStore = "other-store"
        /// It was compared with the salvaged faces.
        case compared
    }

    /// The damaged database directory (never written).
    public var damaged: String
    /// The new database directory.
    public var repaired: String
    /// The mode that opened the copy of the damaged store.
    public var recoveryMode: RecoveryMode
    /// The stricter modes that were refused first.
    public var refusedModes: [RefusedMode] = []
    /// The identities the damaged store's counter records (nil when unreadable).
    public var identitiesRecorded: Int?
    /// Identities salvaged with their records (display name, metadata, galleries).
    public var identitiesSalvaged = 0
    /// Identities whose record was lost but whose faces name them: created bare (no display name,
    /// metadata or galleries).
    public var identitiesCreatedBare = 0
    /// The faces the damaged store's counter records (nil when unreadable).
    public var facesRecorded: Int?
    /// Faces salvaged, with their ids, vectors, source and metadata.
    public var facesSalvaged = 0
    /// Rows read but not decodable.
    public var undecodableRows: [Row] = []
    /// Rows decoded but refused by the new database (an invalid id or value).
    public var refusedRows: [Row] = []
    /// Key ranges passed over because they could not be read.
    public var skippedRanges: [SkippedRange] = []
    /// Values and scans that could not be read.
    public var readErrors: [ReadError] = []
    /// Whether the calibration document was salvaged (false when there was none).
    public var calibrationSalvaged = false
    /// Whether the photo pipeline's models document was salvaged (false when there was none).
    public var pipelineModelsSalvaged = false
    /// What became of the damaged database's index snapshot.
    public var snapshotStatus: SnapshotStatus = .missing
    /// Why the snapshot could not be used, when it could not.
    public var snapshotProblem: String?
    /// Face ids the snapshot holds that were not salvaged: their vectors are known, their identity is not.
    public var unsalvagedFaceIDs: [Int64] = []
    /// The JSON Lines file holding those faces' ids and vectors (one `Schemas/unsalvaged-face.schema.json` object a line), if written.
    public var unsalvagedFile: String?
    /// What was lost or may have been, one sentence each; empty when everything was salvaged.
    public var losses: [String] = []

    /// Whether the store opened normally, everything its counters recorded was salvaged and nothing
    /// was found damaged on the way (`facedb repair` exits with 0 then). A store that needed a
    /// lenient mode is never complete: that mode may have dropped writes its counters no longer count.
    public var isComplete: Bool { losses.isEmpty }

    enum CodingKeys: String, CodingKey {
        case damaged, repaired, recoveryMode = "recovery_mode", refusedModes = "refused_modes"
        case identitiesRecorded = "identities_recorded", identitiesSalvaged = "identities_salvaged"
        case identitiesCreatedBare = "identities_created_bare"
        case facesRecorded = "faces_recorded", facesSalvaged = "faces_salvaged"
        case undecodableRows = "undecodable_rows", refusedRows = "refused_rows", skippedRanges = "skipped_ranges"
        case readErrors = "read_errors", calibrationSalvaged = "calibration_salvaged"
        case pipelineModelsSalvaged = "pipeline_models_salvaged", snapshotStatus = "snapshot_status"
        case snapshotProblem = "snapshot_problem", unsalvagedFaceIDs = "unsalvaged_face_ids"
        case unsalvagedFile = "unsalvaged_file", losses
    }

    /// Works out ``losses`` from the other fields.
    mutating func summarizeLosses() {
        var out: [String] = []
        let refusal = refusedModes.first?.reason ?? "refused"
        switch recoveryMode {
        case .readOnly:
            break
        case .pointInTime:
            out.append(
                "The store could not be opened normally (\(refusal)); its write-ahead log was replayed only up to its first damaged record, so writes after it may be lost, counters included (how many is unknown)."
            )
        case .repairDB:
            out.append(
                "The store could not be opened even leniently (\(refusal)); RocksDB rebuilt its file list from the table and log files found, dropping any it could not read, so writes may be lost, counters included (how many is unknown)."
            )
        }
        if let recorded = facesRecorded {
            if facesSalvaged < recorded { out.append("\(recorded - facesSalvaged) of the \(recorded) faces the counters record were not salvaged.") }
        } else {
            out.append("The face counter could not be read, so how many faces were lost is unknown.")
        }
        let identities = identitiesSalvaged + identitiesCreatedBare
        if let recorded = identitiesRecorded {
            if identities < recorded { out.append("\(recorded - identities) of the \(recorded) identities the counters record were not salvaged.") }
        } else {
            out.append("The identity counter could not be read, so how many identities were lost is unknown.")
        }
        if identitiesCreatedBare > 0 {
            out.append(
                "\(identitiesCreatedBare) identities lost their records (display name, metadata, galleries) and were created bare from their faces.")
        }
        if !undecodableRows.isEmpty { out.append("\(undecodableRows.count) rows could not be decoded.") }
        if !refusedRows.isEmpty { out.append("\(refusedRows.count) rows were refused by the new database.") }
        for range in skippedRanges {
            if range.family == "faces" {
                let last = range.lastFaceID.map(String.init) ?? "the end"
                out.append("Face ids \(range.firstFaceID.map(String.init) ?? "?") to \(last) were unreadable and skipped.")
            } else {
                out.append("The \(range.family) family could not be read past a damaged block.")
            }
        }
        for error in readErrors { out.append("Could not read \(error.what): \(error.cause)") }
        if !unsalvagedFaceIDs.isEmpty {
            out.append(
                "\(unsalvagedFaceIDs.count) faces held by the index snapshot were not salvaged; their ids and vectors (not their identities) are in \(unsalvagedFile ?? FaceDatabase.unsalvagedFileName)."
            )
        }
        losses = out
    }
}
