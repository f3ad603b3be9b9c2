import CRocksDB
import FaceDBCore
import Foundation

/// Large writes of new faces as table files instead of through the write-ahead log and memtable.
///
/// A write of at least ``FaceStore/bulkLoadThreshold`` faces whose ids are all new (above every
/// id ever stored) is loaded in three steps:
/// 1. its `faces` rows are written, sorted, to two table files of consecutive ids in `<store>.bulk/`,
///    on two threads; meanwhile two more threads write its `identity_faces` rows to a third file and
///    check its identities (using the time the writers wait for the disk);
/// 2. if the identities pass, the faces' files are ingested (their rows appear at once), then the
///    membership file;
/// 3. the usual batch — identities, counters (`next_face_id` moves above the new ids), change log,
///    import mark — is committed.
///
/// Membership rows spread over the whole key range, so each ingested file lands in level 0. The
/// `identity_faces` family compacts by size tiers (RocksDB's universal style) once 16 files gather,
/// so that a long import merges each membership row a few times, not at every 16th write.
///
/// A crash before step 3 leaves faces at or above the committed `next_face_id`, which no
/// acknowledged write can have stored: on the next open they are deleted with their
/// `identity_faces` rows before anything else happens, so the write is all or nothing, like any
/// other. No mark is needed, so the only synced step is RocksDB's own ingestion.
extension FaceStore {
    /// The fewest faces a write must have to be loaded as table files.
    package static let bulkLoadThreshold = 4_096

    /// Where the table files of a bulk load are written before ingestion.
    var bulkDirectory: String { path + ".bulk" }

    /// Writes `faces` (all with new or no ids) as table files and ingests them. Runs inside
    /// ``commit(_:)``, after `addFaces` has moved `next_face_id` above every chosen id, so ids
    /// assigned here never meet them. Returns the index change and the result of `checking`, which
    /// runs while the faces' files are written; nothing is ingested if it throws.
    /// `committedNextFaceID` is the committed counters' `next_face_id`, what a failure rolls back to.
    func bulkLoad<Checked: Sendable>(
        _ faces: PreparedFaces, counters c: inout Counters, committedNextFaceID: Int64, result: inout AddedFaces,
        checking: @escaping @Sendable () throws -> Checked, whileIngesting: (@Sendable () -> Void)?
    ) throws -> (IndexChange, Checked) {
        let (ids, ascending) = Self.assignIDs(faces, counters: &c)
        // The faces' files, the membership file (an identity and an id a face) and room to compact them.
        let membershipBytes = faces.identities.reduce(0) { $0 + $1.utf8.count + 9 }
        try DiskSpace.require(2 * (faces.encodedBytes + membershipBytes), reserve: diskReserve, at: path, for: "this bulk write")

        try PrivateFiles.makeDirectory(bulkDirectory)
        let stamp = "\(c.sequence + 1)"
        // Table files take keys in ascending order: face keys are big-endian ids, which ascend with
        // position unless the caller chose them. The faces go to two files of consecutive ids, so that
        // they are written on two threads at once.
        let byID = ascending ? Array(ids.indices) : ids.indices.sorted { ids[$0].rawValue < ids[$1].rawValue }
        let half = byID.count / 2
        let faceParts = [byID[..<half], byID[half...]]
        let facesFiles = faceParts.indices.map { bulkDirectory + "/faces-\(stamp)-\($0).sst" }
        let membersFile = bulkDirectory + "/identity_faces-\(stamp).sst"
        defer {
            for file in facesFiles + [membersFile] { try? FileManager.default.removeItem(atPath: file) }
        }
        // The caller's check and the membership file are worked out on threads of their own while
        // the faces' files are written: they use the time the two writers wait for the disk.
        let checked = BackgroundTask(checking)
        let digest = BackgroundTask { [dim = space.dimension] in
            VectorDigest.sum(ids: ids.map(\.rawValue), vectors: faces.vectors, dimension: dim)
        }
        let members = BackgroundTask { [self] in
            var memberKeys = faces.byIdentity.map { Keyspace.identityFaceKey(faces.identities[$0], ids[$0]) }
            if !ascending { memberKeys.sort(by: Keyspace.precedes) }
            let writer = try db.makeTableWriter(for: .identityFaces, path: membersFile)
            for key in memberKeys { try writer.put(key, []) }
            try writer.finish()
        }
        // Both have ended before the files are removed, however this returns.
        defer { checked.wait(); members.wait(); digest.wait() }
        _ = try ConcurrentMap.map(faceParts.count) { part in
            let writer = try db.makeTableWriter(for: .faces, path: facesFiles[part])
            for i in faceParts[part] { try faces.withValue(i) { try writer.put(Keyspace.faceKey(ids[i]), $0) } }
            try writer.finish()
        }
        let value = try checked.value()
        // The caller's work is done while the files are ingested, which mostly waits for the disk.
        let alongside = whileIngesting.map { BackgroundTask($0) }
        defer { alongside?.wait() }
        do {
            // Faces first: a crash between the two ingestions leaves faces whose rows the rollback finds.
            try db.ingest(facesFiles, into: .faces)
            try members.value()
            try db.ingest([membersFile], into: .identityFaces)
        } catch {
            try? rollBackBulkLoad(committedNextFaceID: committedNextFaceID)
            throw error
        }

        result.ids = ids
        result.identities = faces.identities
        result.vectors = faces.vectors
        c.faces += faces.count
        c.digest = VectorDigest(value: c.digest.value &+ (try digest.value()))
        return (IndexChange(added: ids.map(\.rawValue)), value)
    }

    /// Each face's id: the caller's, or the next free one. Also says whether the ids ascend with position.
    private static func assignIDs(_ faces: PreparedFaces, counters c: inout Counters) -> (ids: [FaceID], ascending: Bool) {
        var ids = [FaceID]()
        ids.reserveCapacity(faces.count)
        var ascending = true
        for given in faces.ids {
            let id: FaceID
            if let given {
                id = given
            } else {
                id = FaceID(c.nextFaceID)
                c.nextFaceID += 1
            }
            if let last = ids.last, last.rawValue >= id.rawValue { ascending = false }
            ids.append(id)
        }
        return (ids, ascending)
    }

    /// Undoes an unacknowledged bulk load: deletes every face at or above the committed
    /// `next_face_id` with its `identity_faces` row, in one synced write. Every commit moves that
    /// counter above the ids it stores, so only a bulk load whose commit never happened can have left
    /// such a face. Also deletes `bulk_pending`, the mark that stores written by earlier versions set
    /// during a bulk load (holding the same id). Does nothing when there is neither. Called on open
    /// and when a bulk load fails, with the committed `next_face_id` (the caller holds the counters'
    /// lock, or has the store to itself while it opens).
    func rollBackBulkLoad(committedNextFaceID: Int64) throws {
        var floor = FaceID(committedNextFaceID)
        let legacyMark = try db.get(.meta, Keyspace.bulkPendingKey)
        if let legacyMark { floor = min(floor, FaceID(Int64(bitPattern: try Keyspace.uint64(bigEndian: legacyMark)))) }
        let undo = db.makeBatch()
        let dim = space.dimension
        try db.scan(.faces, from: Keyspace.faceKey(floor)) { key, value in
            let id = try Keyspace.faceID(fromKey: key)
            let identity = try FaceRecord.identity(decoding: value, dimension: dim)
            undo.delete(.faces, Array(key))
            undo.delete(.identityFaces, Keyspace.identityFaceKey(identity, id))
            return true
        }
        if legacyMark != nil { undo.delete(.meta, Keyspace.bulkPendingKey) }
        guard undo.count > 0 else { return }
        try db.write(undo, sync: true)
    }

    /// Makes glibc's malloc give every allocation of 1 MiB or more a mapping of its own, returned to
    /// the system when freed (`mallopt(M_MMAP_THRESHOLD)`; it also turns off glibc's moving
    /// threshold, which after the first large free put such buffers in its arenas). For the whole
    /// process, so only its owner should call it (the `facedb` command does, before an import).
    ///
    /// A bulk import allocates each batch's buffers (its vectors, 16 MiB at 32768 × 128-D, and
    /// until `PreparedFaces` encoded rows as they are written, 17.5 MiB of rows) on several threads:
    /// the reader and the preparing and table-writing workers.
    /// In arenas, each thread's arena kept a batch's worth of freed pages: 1M × 128-D through
    /// `facedb import` peaked at 688–690 MiB with this setting against 764 MiB without it (and
    /// 721–745 MiB against 833–859 MiB before the import's other memory changes; `BENCHMARKS.md`,
    /// "Memory"), at the same import time within this machine's noise.
    package static func mapLargeBuffersApart() {
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
    }

    /// Removes table files left behind by a bulk load that never finished.
    func removeBulkLeftovers() {
        try? FileManager.default.removeItem(atPath: bulkDirectory)
    }
}
