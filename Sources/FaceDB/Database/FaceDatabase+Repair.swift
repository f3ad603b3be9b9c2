import FaceDBCore
import FaceDBIndex
import FaceDBStorage
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension FaceDatabase {
    /// The file, in a repaired database, of the faces the damaged database's index snapshot holds
    /// but its store no longer does (`Schemas/unsalvaged-face.schema.json`).
    public static let unsalvagedFileName = "unsalvaged-from-snapshot.jsonl"
    /// The scratch directory, inside the new database, holding the copy of the damaged store.
    static let repairScratchName = ".repair-scratch"
    /// Faces written to the new database per write.
    static let repairBatchSize = 4_096

    /// Salvages what is readable of the damaged database at `damaged` into a new database at `new`,
    /// and reports what it could not.
    ///
    /// Nothing under `damaged` is written, renamed or deleted: its store is copied into a scratch
    /// directory inside `new` (removed at the end), and the copy is opened ever more leniently
    /// (FaceDB's normal read-only open; RocksDB read-only with point-in-time recovery of the
    /// write-ahead log and paranoid checks off; `rocksdb_repair_db` on the copy, then that open).
    /// Every readable identity record, face row (each decoded on its own; a damaged block of faces
    /// is skipped and the scan resumed past it), the calibration and the photo pipeline's models are
    /// written to a new database with the same embedding space, index configuration and face ids.
    /// Faces the damaged database's index snapshot holds but the store no longer does are written,
    /// with their vectors, to ``unsalvagedFileName`` in `new`.
    ///
    /// - Parameters:
    ///   - damaged: the damaged database directory.
    ///   - new: a new or empty directory outside `damaged`.
    ///   - options: options of the new database (its log, durability, disk reserve).
    /// - Returns: what was salvaged and what was lost (``RepairReport/isComplete``).
    /// - Throws: `.refusedOutput` when `new` is `damaged`, inside it, not a directory or not empty;
    ///   `.notADatabase` when `damaged` holds no store; `.databaseLocked` when another process has it
    ///   open for writing; `.corruption` when no mode can read even the embedding space; `.io`.
    ///   On a failure, what was written to `new` is removed again.
    public static func repair(from damaged: String, into new: String, options: DatabaseOptions = DatabaseOptions()) throws -> RepairReport {
        let fm = FileManager.default
        let source = canonicalPath(damaged)
        let target = canonicalPath(new)
        try checkRepairPaths(damaged: damaged, source: source, new: new, target: target)
        // A writer must not change the store while it is copied; a reader may keep it open. The lock
        // file is only opened (read-only), never created, under the damaged directory.
        let lock = fm.fileExists(atPath: damaged + "/LOCK") ? try DirectoryLock(directory: damaged, shared: true) : nil
        defer { lock?.unlock() }

        var createdNew = false
        if !fm.fileExists(atPath: new) {
            do { try PrivateFiles.makeDirectory(new) } catch {
                throw FaceDBError(
                    .io, "Cannot create the directory \(new).", remedy: "Check the parent directory's permissions.",
                    path: new, cause: "\(error)")
            }
            createdNew = true
        }
        let scratch = new + "/" + repairScratchName
        var succeeded = false
        defer {
            // Only what this call made is removed: the scratch copy always, and on failure the
            // directory it created, or what it wrote into the empty directory it was given.
            try? fm.removeItem(atPath: scratch)
            if !succeeded {
                if createdNew {
                    try? fm.removeItem(atPath: new)
                } else {
                    for name in (try? fm.contentsOfDirectory(atPath: new)) ?? [] { try? fm.removeItem(atPath: new + "/" + name) }
                }
            }
        }
        do {
            try PrivateFiles.makeDirectory(scratch)
            try fm.copyItem(atPath: storePath(damaged), toPath: storePath(scratch))
        } catch {
            throw FaceDBError(
                .io, "Cannot copy the store of \(damaged) into \(scratch).",
                remedy: "Check that \(new) is writable and has room for a copy of the store.", path: scratch, cause: "\(error)")
        }

        var refused: [RepairReport.RefusedMode] = []
        let (salvage, space) = try openSalvage(storePath(scratch), key: options.key, refused: &refused)
        defer { salvage.close() }
        var report = RepairReport(damaged: damaged, repaired: new, recoveryMode: mode(of: salvage.leniency), refusedModes: refused)
        let salvaged = try copyEverything(from: salvage, space: space, into: new, options: options, report: &report)
        try compareSnapshot(
            of: damaged, storeID: read("meta store_id", report: &report) { try salvage.storeID() } ?? nil,
            salvaged: salvaged, cipher: salvage.dataCipher, into: new, report: &report)
        report.summarizeLosses()
        succeeded = true
        return report
    }

    /// `path` absolute, without `.`, `..` or symbolic links (those of its longest existing ancestor
    /// resolved), for comparing directories.
    static func canonicalPath(_ path: String) -> String {
        var head = URL(fileURLWithPath: path).standardizedFileURL.path
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: head), head != "/" {
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = (head as NSString).deletingLastPathComponent
        }
        if let resolved = realpath(head, nil) {
            head = String(cString: resolved)
            free(resolved)
        }
        return ([head] + tail).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
    }

    /// Refuses a `new` that is, or is inside, the damaged directory, that is not a directory or not
    /// empty, and a `damaged` that holds no store.
    private static func checkRepairPaths(damaged: String, source: String, new: String, target: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: storePath(damaged), isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FaceDBError(
                .notADatabase, "\(damaged) is not a FaceDB database (it has no store directory).",
                remedy: "Give the directory of the damaged database.", path: damaged)
        }
        let remedy = "Give a new or empty directory outside the damaged database, e.g. \(damaged).repaired."
        if target == source {
            throw FaceDBError(
                .refusedOutput, "The new directory \(new) is the damaged database itself; repair never writes to it.",
                remedy: remedy, path: new)
        }
        if target.hasPrefix(source == "/" ? "/" : source + "/") {
            throw FaceDBError(
                .refusedOutput, "The new directory \(new) is inside the damaged database \(damaged); repair never writes to it.",
                remedy: remedy, path: new)
        }
        if fm.fileExists(atPath: new, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw FaceDBError(.refusedOutput, "\(new) exists and is not a directory.", remedy: remedy, path: new)
            }
            let contents = (try? fm.contentsOfDirectory(atPath: new)) ?? []
            guard contents.isEmpty else {
                throw FaceDBError(
                    .refusedOutput, "The new directory \(new) is not empty; repair writes only into a new or empty directory.",
                    remedy: remedy, path: new)
            }
        }
    }

    private static func mode(of leniency: StoreSalvage.Leniency) -> RepairReport.RecoveryMode {
        switch leniency {
        case .readOnly: return .readOnly
        case .pointInTime: return .pointInTime
        case .repairDB: return .repairDB
        }
    }

    /// Opens the store copy at `path` in the strictest mode that opens it and reads its embedding
    /// space, recording why each stricter one was refused.
    private static func openSalvage(
        _ path: String, key: EncryptionKey?, refused: inout [RepairReport.RefusedMode]
    ) throws -> (StoreSalvage, EmbeddingSpace) {
        func reason(_ error: any Error) -> String {
            guard let error = error as? FaceDBError else { return "\(error)" }
            return error.message + (error.cause.map { " (\($0))" } ?? "")
        }
        for leniency in StoreSalvage.Leniency.allCases {
            var salvage: StoreSalvage?
            do {
                if leniency == .readOnly {
                    // FaceDB's own read-only open first: it checks the format and every counter.
                    try FaceStore.open(at: path, readOnly: true, key: key).close()
                }
                let opened = try StoreSalvage.open(copyAt: path, leniency: leniency, key: key)
                salvage = opened
                if let version = try opened.formatVersion(), version > FaceStore.formatVersion {
                    opened.close()
                    throw FaceDBError(
                        .unsupportedFormat, "The damaged store has format version \(version); this FaceDB reads version \(FaceStore.formatVersion).",
                        remedy: "Repair it with a newer FaceDB.", path: path)
                }
                guard let space = try opened.space() else { throw FaceDBError(.corruption, "The store records no embedding space.") }
                return (opened, space)
            } catch let error as FaceDBError where [.unsupportedFormat, .keyRequired, .wrongKey].contains(error.code) {
                salvage?.close()
                throw error
            } catch {
                salvage?.close()
                refused.append(.init(mode: mode(of: leniency), reason: reason(error)))
            }
        }
        throw FaceDBError(
            .corruption,
            "Nothing of the damaged store could be read: \(refused.map { "\($0.mode.rawValue): \($0.reason)" }.joined(separator: "; ")).",
            remedy: "Restore the database directory from a backup.")
    }

    /// `body`'s value, or nil with the error recorded in `report` as a read error of `what`.
    private static func read<T>(_ what: String, report: inout RepairReport, _ body: () throws -> T) -> T? {
        do { return try body() } catch {
            report.readErrors.append(
                .init(what: what, cause: (error as? FaceDBError).map { $0.message + ($0.cause.map { " (\($0))" } ?? "") } ?? "\(error)"))
            return nil
        }
    }

    /// Whether `error` refuses one row (its values), not the whole write.
    private static func refusesRow(_ error: any Error) -> Bool {
        guard let code = (error as? FaceDBError)?.code else { return false }
        return [.invalidArgument, .invalidVector, .dimensionMismatch, .alreadyExists, .unknownIdentity].contains(code)
    }

    /// Creates the new database and writes everything readable from `salvage` into it; returns the
    /// ids of the faces salvaged.
    private static func copyEverything(
        from salvage: StoreSalvage, space: EmbeddingSpace, into new: String, options: DatabaseOptions, report: inout RepairReport
    ) throws -> Set<Int64> {
        let index = read("meta index_configuration", report: &report) { try salvage.indexConfiguration() } ?? nil
        report.facesRecorded = read("meta face_count", report: &report) { try salvage.faceCount() } ?? nil
        report.identitiesRecorded = read("meta identity_count", report: &report) { try salvage.identityCount() } ?? nil
        let nextFaceID = read("meta next_face_id", report: &report) { try salvage.nextFaceID() } ?? nil
        let calibration = read("meta calibration", report: &report) { try salvage.calibrationDocument() } ?? nil
        let pipelineModels = read("meta pipeline_models", report: &report) { try salvage.pipelineModelsDocument() } ?? nil

        let db = try create(at: new, space: space, index: index ?? .flat, options: options, besides: [repairScratchName])
        var closed = false
        defer { if !closed { try? db.close() } }

        var identities = Set<String>()
        var failure: FaceDBError?
        failure = try salvage.forEachIdentity(
            { identity in
                do {
                    try db.addIdentity(identity.id, displayName: identity.displayName, metadata: identity.metadata, galleries: identity.galleries)
                    identities.insert(identity.id)
                    report.identitiesSalvaged += 1
                } catch  where refusesRow(error) {
                    report.refusedRows.append(.init(family: "identities", key: identity.id, reason: "\(error)"))
                }
            }, undecodable: { report.undecodableRows.append(.init(family: "identities", key: $0)) })
        if let failure { report.skippedRanges.append(.init(family: "identities", cause: failure.message + (failure.cause.map { " (\($0))" } ?? ""))) }

        var pending: [NewFace] = []
        var salvaged: [Int64] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            for face in pending where !identities.contains(face.identity) {
                identities.insert(face.identity)
                report.identitiesCreatedBare += 1
            }
            do {
                try db.addFaces(pending, createMissingIdentities: true)
                salvaged.append(contentsOf: pending.map { $0.id!.rawValue })
            } catch  where refusesRow(error) {
                // One face refused the whole write: each on its own, so that only it is left out.
                for face in pending {
                    do {
                        try db.addFaces([face], createMissingIdentities: true)
                        salvaged.append(face.id!.rawValue)
                    } catch  where refusesRow(error) {
                        report.refusedRows.append(.init(family: "faces", key: face.id!.description, reason: "\(error)"))
                    }
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        try salvage.forEachFace(
            below: nextFaceID,
            { face in
                pending.append(NewFace(identity: face.identity, embedding: face.embedding, id: face.id, source: face.source, metadata: face.metadata))
                if pending.count >= repairBatchSize { try flush() }
            }, undecodable: { report.undecodableRows.append(.init(family: "faces", key: $0)) },
            skipped: { range in
                report.skippedRanges.append(
                    .init(
                        family: "faces", firstFaceID: range.first, lastFaceID: range.last,
                        cause: range.cause.message + (range.cause.cause.map { " (\($0))" } ?? "")))
            })
        try flush()
        report.facesSalvaged = salvaged.count

        if let calibration {
            try db.store.setCalibrationDocument(calibration)
            report.calibrationSalvaged = true
        }
        if let pipelineModels {
            try db.store.setPipelineModelsDocument(pipelineModels)
            report.pipelineModelsSalvaged = true
        }
        closed = true
        try db.close()
        return Set(salvaged)
    }

    /// Compares the damaged database's index snapshot with what was salvaged (when it is of the same
    /// store) and writes the faces only it holds to ``unsalvagedFileName``.
    private static func compareSnapshot(
        of damaged: String, storeID: [UInt8]?, salvaged: Set<Int64>, cipher: DataCipher?, into new: String, report: inout RepairReport
    ) throws {
        let path = damaged + "/index.snapshot"
        guard FileManager.default.fileExists(atPath: path) else {
            report.snapshotStatus = .missing
            return
        }
        let missing: [Int64]
        let vectors: [Float]
        let dimension: Int
        do {
            let loaded = try IndexSnapshot.read(from: path, cipher: cipher)
            guard let storeID, loaded.storeID == storeID else {
                report.snapshotStatus = .otherStore
                report.snapshotProblem = storeID == nil ? "the store's id could not be read" : "it records another store's id"
                return
            }
            missing = try loaded.index.allIDs().filter { !salvaged.contains($0) }.sorted()
            vectors = missing.isEmpty ? [] : try loaded.index.vectors(for: missing)
            dimension = loaded.index.dimension
        } catch {
            report.snapshotStatus = .unreadable
            report.snapshotProblem = (error as? FaceDBError)?.message ?? "\(error)"
            return
        }
        report.snapshotStatus = .compared
        report.unsalvagedFaceIDs = missing
        guard !missing.isEmpty else { return }
        let file = new + "/" + unsalvagedFileName
        try writeUnsalvaged(missing, vectors: vectors, dimension: dimension, to: file)
        report.unsalvagedFile = file
    }

    /// One line per face: `{"embedding":[...],"face_id":N}` (`Schemas/unsalvaged-face.schema.json`).
    private static func writeUnsalvaged(_ ids: [Int64], vectors: [Float], dimension: Int, to path: String) throws {
        struct Line: Encodable {
            var faceID: Int64
            var embedding: [Float]
            enum CodingKeys: String, CodingKey { case faceID = "face_id", embedding }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Written to a temporary file, fsynced and renamed into place, like every output file.
        let file = try OutputFile(path: path)
        do {
            for (i, id) in ids.enumerated() {
                try file.write(try encoder.encode(Line(faceID: id, embedding: Array(vectors[(i * dimension)..<((i + 1) * dimension)]))))
                try file.write([0x0A])
            }
            _ = try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }
}
