import Dispatch
import Foundation
import Metrics
import Synchronization

/// The counters, timers and gauges of one database (swift-metrics), made once when it is opened so
/// that writes and searches only increment them. They report to the factory `MetricsSystem` was
/// bootstrapped with before the database was opened; without one (swift-metrics' default) they do
/// nothing. The library never bootstraps it. Every metric carries ``DatabaseOptions/metricsDimensions``.
///
/// | metric | kind | dimensions | counts |
/// | --- | --- | --- | --- |
/// | `facedb_writes_total` | counter | `kind` | committed writes: ``WriteKind`` |
/// | `facedb_faces_added_total` | counter | | faces written (a replaced face counts here and as removed) |
/// | `facedb_faces_removed_total` | counter | | faces removed |
/// | `facedb_searches_total` | counter | `operation` | probes searched: ``SearchOperation`` (a batch of n counts n) |
/// | `facedb_search_seconds` | timer | `operation` | one duration per successful call |
/// | `facedb_enrol_photos_total` | counter | `outcome` | photos enrolled: `accepted`, `refused` |
/// | `facedb_enrol_refusals_total` | counter | `reason` | refusals by quality issue (a photo refused for two reasons counts under both) |
/// | `facedb_index_rebuilds_total` | counter | `reason` | index rebuilt from the store: `missing`, `outdated`, `damaged` snapshot, `index_update_failed`, `reindex` |
/// | `facedb_snapshots_total` | counter | | index snapshots written |
/// | `facedb_snapshot_seconds` | timer | | one duration per snapshot written (the fsync included) |
/// | `facedb_import_rows_total` | counter | `outcome` | rows of bulk imports: `stored`, `skipped`, `rejected`, `resumed` |
/// | `facedb_faces`, `facedb_identities` | gauge | | stored, after opening and after each write |
package final class DatabaseMetrics: Sendable {
    /// What a write did (dimension `kind` of `facedb_writes_total`).
    package enum WriteKind: String, CaseIterable, Sendable {
        case addIdentity = "add_identity"
        case updateIdentity = "update_identity"
        case renameIdentity = "rename_identity"
        case removeIdentity = "remove_identity"
        case addFaces = "add_faces"
        case removeFaces = "remove_faces"
        /// One batch of a bulk import.
        case importBatch = "import_batch"
    }

    /// Which call searched (dimension `operation` of `facedb_searches_total` and `facedb_search_seconds`).
    package enum SearchOperation: String, CaseIterable, Sendable {
        case search
        case identify
        case verify
        case closestFace = "closest_face"
    }

    /// Rows of a bulk import by what became of them (dimension `outcome` of `facedb_import_rows_total`).
    package enum ImportOutcome: String, CaseIterable, Sendable {
        case stored, skipped, rejected, resumed
    }

    private let dimensions: [(String, String)]
    private let writes: [WriteKind: Counter]
    private let facesAdded: Counter
    private let facesRemoved: Counter
    private let searches: [SearchOperation: Counter]
    private let searchTimers: [SearchOperation: Metrics.Timer]
    private let enrolAccepted: Counter
    private let enrolRefused: Counter
    /// One counter per refusal reason, made on its first use (the reasons are the photo module's).
    private let refusals = Mutex<[String: Counter]>([:])
    private let rebuilds = Mutex<[String: Counter]>([:])
    private let snapshots: Counter
    private let snapshotTimer: Metrics.Timer
    private let importRows: [ImportOutcome: Counter]
    private let faces: Gauge
    private let identities: Gauge

    package init(dimensions: [(String, String)]) {
        self.dimensions = dimensions
        func counter(_ label: String, _ extra: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: extra + dimensions)
        }
        writes = Dictionary(uniqueKeysWithValues: WriteKind.allCases.map { ($0, counter("facedb_writes_total", [("kind", $0.rawValue)])) })
        facesAdded = counter("facedb_faces_added_total")
        facesRemoved = counter("facedb_faces_removed_total")
        searches = Dictionary(
            uniqueKeysWithValues: SearchOperation.allCases.map {
                ($0, counter("facedb_searches_total", [("operation", $0.rawValue)]))
            })
        searchTimers = Dictionary(
            uniqueKeysWithValues: SearchOperation.allCases.map {
                ($0, Metrics.Timer(label: "facedb_search_seconds", dimensions: [("operation", $0.rawValue)] + dimensions))
            })
        enrolAccepted = counter("facedb_enrol_photos_total", [("outcome", "accepted")])
        enrolRefused = counter("facedb_enrol_photos_total", [("outcome", "refused")])
        snapshots = counter("facedb_snapshots_total")
        snapshotTimer = Metrics.Timer(label: "facedb_snapshot_seconds", dimensions: dimensions)
        importRows = Dictionary(
            uniqueKeysWithValues: ImportOutcome.allCases.map {
                ($0, counter("facedb_import_rows_total", [("outcome", $0.rawValue)]))
            })
        faces = Gauge(label: "facedb_faces", dimensions: dimensions)
        identities = Gauge(label: "facedb_identities", dimensions: dimensions)
    }

    /// A committed write that added and removed these many faces.
    func wrote(_ kind: WriteKind, added: Int, removed: Int) {
        writes[kind]?.increment()
        if added > 0 { facesAdded.increment(by: added) }
        if removed > 0 { facesRemoved.increment(by: removed) }
    }

    /// The stored counts, now.
    func stored(faces: Int, identities: Int) {
        self.faces.record(faces)
        self.identities.record(identities)
    }

    /// Starts timing a search call; ``searched(_:probes:since:)`` records it.
    func searchStarted() -> DispatchTime { .now() }

    /// A successful search call of `probes` probes that started at `start`.
    func searched(_ operation: SearchOperation, probes: Int, since start: DispatchTime) {
        searchTimers[operation]?.recordNanoseconds(Self.nanoseconds(since: start))
        searches[operation]?.increment(by: probes)
    }

    /// A photo enrolled, or refused with these reasons.
    package func enrolled(refusedFor reasons: [String]) {
        guard !reasons.isEmpty else {
            enrolAccepted.increment()
            return
        }
        enrolRefused.increment()
        for reason in Set(reasons) {
            refusals.withLock { made in
                if let counter = made[reason] { return counter }
                let counter = Counter(label: "facedb_enrol_refusals_total", dimensions: [("reason", reason)] + dimensions)
                made[reason] = counter
                return counter
            }.increment()
        }
    }

    /// The index was rebuilt from the store (`reason`: a ``SnapshotProblem/Kind`` raw value,
    /// `index_update_failed` or `reindex`).
    func rebuiltIndex(reason: String) {
        rebuilds.withLock { made in
            if let counter = made[reason] { return counter }
            let counter = Counter(label: "facedb_index_rebuilds_total", dimensions: [("reason", reason)] + dimensions)
            made[reason] = counter
            return counter
        }.increment()
    }

    /// An index snapshot was written in `nanoseconds`.
    func wroteSnapshot(nanoseconds: UInt64) {
        snapshotTimer.recordNanoseconds(Int64(clamping: nanoseconds))
        snapshots.increment()
    }

    /// Rows of an import batch by outcome.
    func imported(_ outcome: ImportOutcome, rows: Int) {
        if rows > 0 { importRows[outcome]?.increment(by: rows) }
    }

    private static func nanoseconds(since start: DispatchTime) -> Int64 {
        let now = DispatchTime.now().uptimeNanoseconds
        return Int64(now >= start.uptimeNanoseconds ? now - start.uptimeNanoseconds : 0)
    }
}
