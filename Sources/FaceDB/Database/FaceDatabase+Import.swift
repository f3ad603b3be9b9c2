import FaceDBCore
import FaceDBImport
import FaceDBStorage
import Foundation

extension FaceDatabase {
    /// Imports every row of an embedding file (see `EmbeddingFiles.open(path:labels:)`), in
    /// batches of ``ImportOptions/batchSize`` rows, each one atomic write followed by an index update.
    ///
    /// The file is read on a second thread while the previous batch is stored, in constant memory.
    /// Every row is checked against the embedding space first; a bad row is rejected with its row
    /// number and reason (written to ``ImportOptions/rejectsPath``) and the import goes on. Rows
    /// naming an identity that is not stored create it. Rows whose face id is already stored are
    /// skipped or replaced (``ImportOptions/existing``), so re-running an interrupted import
    /// finishes it without duplicates.
    ///
    /// ```swift
    /// let source = try EmbeddingFiles.open(path: "faces.npy", labels: "labels.txt")
    /// let summary = try db.importEmbeddings(from: source)
    /// print(summary.stored, summary.rejected)
    /// ```
    ///
    /// - Parameter progress: called after every batch.
    /// - Throws: when the file cannot be read on (truncated binary data, labels that run out) or a
    ///   write fails (e.g. a full disk). Every batch stored before that stays stored, and the
    ///   error's message says how many rows were stored.
    public func importEmbeddings(
        from source: any EmbeddingSource, options: ImportOptions = ImportOptions(),
        progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportSummary {
        try checkOpen()
        guard options.batchSize > 0 else {
            throw FaceDBError(
                .invalidArgument, "The import batch size \(options.batchSize) is not positive.",
                remedy: "Give a batch size of 1 or more (the default is 32768).")
        }
        if let dimension = source.dimension, dimension != space.dimension {
            throw FaceDBError.dimensionMismatch(expected: space.dimension, given: dimension, what: "file's embeddings")
        }
        let started = Date()
        var summary = ImportSummary()
        let rejects = try RejectsFile(path: options.rejectsPath, database: self.path)
        defer { try? rejects.close() }

        // Rows an earlier run read from the same bytes are done; this run records its own marks.
        let alreadyDone = try options.resumeKey.flatMap { try $0.longestMatch(among: try store.importMarks()) }?.rows ?? 0
        let markKey = options.resumeKey.map { _ in ImportMark.newKey() }
        // One batch waiting while one is written and the next is read: the reader keeps ahead of
        // the writer, and each batch held costs about 16 MiB at 32768 × 128-D (its vectors; the rows
        // are encoded from them as they are written, which took 34 MiB a batch and 30 MiB of the
        // 1M import's peak before); a second waiting batch added to the peak RSS without speeding
        // the import up.
        let queue = Handoff<ImportBatch>(capacity: 1)
        let reader = BatchReader(
            source: source, validator: RowValidator(space: space), batchSize: options.batchSize,
            skipping: alreadyDone)
        let thread = Thread { reader.run(into: queue) }
        thread.stackSize = 1 << 20
        thread.start()

        let identitiesBefore = identityCount
        snapshotState.pause()
        defer {
            snapshotState.resume()
            noteChanged(0)
        }
        while true {
            let batch = queue.take()
            do {
                try CancellationFlag.checkpoint()
                for rejected in batch.rejected { try rejects.write(rejected) }
                summary.rejected += batch.rejected.count
                summary.resumed += batch.resumed
                metrics.imported(.rejected, rows: batch.rejected.count)
                metrics.imported(.resumed, rows: batch.resumed)
                if let header = batch.header { try adopt(header) }
                for identity in batch.identities { try adopt(identity) }
                let mark = batch.consumed.isEmpty ? nil : markKey.map { ImportMark(key: $0, rows: batch.rowsDone, files: batch.consumed) }
                if batch.faces.count > 0 || (mark != nil && batch.rows > batch.resumed) {
                    let added = try addFacesReporting(
                        batch.faces, createMissingIdentities: true, existing: options.existing, mark: mark,
                        kind: .importBatch)
                    summary.stored += added.ids.count
                    summary.replaced += added.replaced.count
                    summary.skipped += added.skipped
                    summary.batches += 1
                    metrics.imported(.stored, rows: added.ids.count)
                    metrics.imported(.skipped, rows: added.skipped)
                }
                summary.rowsRead += batch.rows
                if let error = batch.error { throw error }
            } catch {
                queue.cancel()
                summary.identitiesCreated = max(0, identityCount - identitiesBefore)
                throw Self.stopped(error, summary)
            }
            progress?(
                ImportProgress(
                    rows: summary.rowsRead, totalRows: source.totalRows,
                    bytesRead: batch.bytesRead, totalBytes: source.totalBytes))
            if batch.isLast { break }
        }
        try rejects.close()
        // An HNSW index that grew enough to be due for efSearch tuning is tuned now, as part of the
        // import and with its progress, not in the background where a search could meet it.
        let grown = indexLock.withReadLock { index }
        if grown.isTuningDue {
            tuneIfDue(grown) { step, steps in
                progress?(
                    ImportProgress(
                        rows: summary.rowsRead, totalRows: source.totalRows, bytesRead: source.totalBytes ?? 0, totalBytes: source.totalBytes,
                        tuningStep: step, tuningSteps: steps))
            }
        }
        summary.identitiesCreated = max(0, identityCount - identitiesBefore)
        summary.seconds = Date().timeIntervalSince(started)
        logger.debug(
            "imported embeddings",
            metadata: [
                "rows": "\(summary.rowsRead)", "stored": "\(summary.stored)", "skipped": "\(summary.skipped)",
                "rejected": "\(summary.rejected)", "resumed": "\(summary.resumed)", "batches": "\(summary.batches)",
            ])
        try audit(
            "import",
            counts: [
                "rows": summary.rowsRead, "stored": summary.stored, "replaced": summary.replaced, "skipped": summary.skipped,
                "rejected": summary.rejected, "identities_created": summary.identitiesCreated,
            ])
        return summary
    }

    /// A dump's first line: its space must be this database's; an empty database also takes its
    /// index configuration and operating point (a database with faces keeps its own).
    private func adopt(_ header: DumpHeader) throws {
        let dumped = header.space
        guard dumped.model == space.model else {
            throw FaceDBError(
                .modelMismatch, "The dump holds embeddings of model '\(dumped.model)'; this database is for '\(space.model)'.",
                remedy: "Import it into a database created with the dump's space: \(dumped.model), \(dumped.dimension)-D, \(dumped.metric.rawValue).")
        }
        guard dumped.dimension == space.dimension else {
            throw FaceDBError.dimensionMismatch(expected: space.dimension, given: dumped.dimension, what: "dump's embeddings")
        }
        guard dumped == space else {
            throw FaceDBError(
                .invalidArgument, "The dump's embedding space (\(dumped)) differs from this database's (\(space)).",
                remedy: "Import it into a database created with the dump's metric and normalization.")
        }
        guard faceCount == 0 else {
            logger.notice("the dump's index configuration and operating point are not adopted: the database already holds faces")
            return
        }
        if let index = header.index, index != store.indexConfiguration { try reindex(index) }
        if let calibration = header.calibration {
            do {
                try setOperatingPoint(try calibration.decoded(as: OperatingPoint.self))
            } catch let error as FaceDBError {
                throw error
            } catch {
                throw FaceDBError(
                    .invalidArgument, "The dump's operating point (line \(header.row)) is not readable: \(error).",
                    remedy: "Remove \"calibration\" from the line and calibrate after the import.")
            }
        }
    }

    /// A dump's identity line: the identity is created, or its name, galleries and metadata set.
    private func adopt(_ line: IdentityRow) throws {
        if try identity(line.identity) == nil {
            try addIdentity(line.identity, displayName: line.displayName, metadata: line.metadata, galleries: line.galleries)
        } else {
            try updateIdentity(line.identity, displayName: .some(line.displayName), metadata: line.metadata, galleries: line.galleries)
        }
    }

    /// Makes the process return large freed buffers to the system at once, as a bulk import's
    /// batches are (see `FaceStore.mapLargeBuffersApart()`). Process-wide: for the program's owner
    /// to call, before importing; the `facedb` command does.
    public static func mapLargeBuffersApart() { FaceStore.mapLargeBuffersApart() }

    /// `error` with a first sentence saying how far the import came before it.
    private static func stopped(_ error: any Error, _ summary: ImportSummary) -> FaceDBError {
        let progress =
            "The import stopped after \(summary.rowsRead) rows (\(summary.stored) stored, \(summary.skipped) skipped, \(summary.rejected) rejected): "
        let rerun = "Rows already stored stay stored; re-running the same import goes on after them."
        guard var failure = error as? FaceDBError else {
            return FaceDBError(.io, progress + "\(error)", remedy: rerun, cause: "\(error)")
        }
        failure.message = progress + failure.message
        failure.remedy = [failure.remedy, rerun].compactMap { $0 }.joined(separator: " ")
        return failure
    }
}

/// Rows read, checked and encoded on the reader thread, stored as one write.
struct ImportBatch: @unchecked Sendable {
    /// Valid rows, ready to store.
    var faces = PreparedFaces.empty
    /// Rows rejected by the reader or the validator.
    var rejected: [RejectedRow] = []
    /// A dump's first line, when this batch holds it.
    var header: DumpHeader?
    /// A dump's identity lines, created or updated before the batch's faces are stored.
    var identities: [IdentityRow] = []
    /// How many rows of the file this batch covers (valid, rejected and resumed).
    var rows = 0
    /// Of ``rows``, those passed over because an earlier import did them.
    var resumed = 0
    /// Rows of the file done once this batch is stored, counting from the first.
    var rowsDone = 0
    /// The prefixes of the files that those rows were read from (``EmbeddingSource/consumed``).
    var consumed: [FilePrefix] = []
    /// Bytes of the file consumed after this batch.
    var bytesRead = 0
    /// Whether this is the end of the file (or of what could be read).
    var isLast = false
    /// Why the file could not be read further, if it could not.
    var error: (any Error)?
}

/// Reads an ``EmbeddingSource`` into ``ImportBatch``es on its own thread.
final class BatchReader: @unchecked Sendable {
    private var source: any EmbeddingSource
    private let validator: RowValidator
    private let batchSize: Int
    private let skipping: Int

    /// Reads `source`, passing over its first `skipping` rows (done by an earlier import).
    init(source: any EmbeddingSource, validator: RowValidator, batchSize: Int, skipping: Int) {
        self.source = source
        self.validator = validator
        self.batchSize = batchSize
        self.skipping = skipping
    }

    /// Reads to the end of the file (or the first unreadable part), handing over full batches.
    /// A face id seen twice in a batch closes the batch first, so the second row meets the first
    /// as a stored face (skipped or replaced) instead of failing the write.
    func run(into queue: Handoff<ImportBatch>) {
        var batch = ImportBatch()
        // Rows are checked and their vectors stored every `chunk` rows, and their arrays freed: the
        // 32768 rows of a batch held until it was full took about 20 MiB at 128-D.
        let chunk = min(batchSize, 4_096)
        var faces: [NewFace] = []
        var prepared = PreparedFaces.Builder(space: validator.space, capacity: batchSize)
        var ids = Set<Int64>()
        var rowsDone = 0
        // What the source had consumed after the last row it returned, and before it.
        var consumed = source.consumed
        var consumedBefore = consumed
        let space = validator.space
        // Checks the rows read since the last call and stores their vectors (here, off the thread
        // that writes), then frees the rows' own arrays; false (the batch sent, failed) on a bad row.
        func prepare() -> Bool {
            do {
                try prepared.append(faces)
                faces.removeAll(keepingCapacity: true)
                return true
            } catch {
                batch.bytesRead = source.bytesRead
                batch.rowsDone = rowsDone
                batch.consumed = consumed
                batch.error = error
                batch.isLast = true
                _ = queue.put(batch)
                return false
            }
        }
        func send(last: Bool) -> Bool {
            guard prepare() else { return false }
            batch.bytesRead = source.bytesRead
            batch.rowsDone = rowsDone
            batch.consumed = consumed
            batch.isLast = last
            batch.faces = prepared.finish()
            prepared = PreparedFaces.Builder(space: space, capacity: batchSize)
            ids.removeAll(keepingCapacity: true)
            defer { batch = ImportBatch() }
            return queue.put(batch) && !last
        }
        faces.reserveCapacity(chunk)
        while true {
            let item: ImportItem?
            do {
                item = try source.next()
            } catch {
                batch.error = error
                _ = send(last: true)
                return
            }
            consumedBefore = consumed
            consumed = source.consumed
            guard let item else {
                _ = send(last: true)
                return
            }
            rowsDone += 1
            if rowsDone <= skipping {
                batch.rows += 1
                batch.resumed += 1
                if batch.rows >= batchSize { guard send(last: false) else { return } }
                continue
            }
            switch item {
            case .rejected(let rejected):
                batch.rejected.append(rejected)
                batch.rows += 1
            case .database(let header):
                batch.header = header
                batch.rows += 1
            case .identity(let identity):
                batch.identities.append(identity)
                batch.rows += 1
            case .row(let row):
                switch validator.validate(row) {
                case .rejected(let rejected):
                    batch.rejected.append(rejected)
                    batch.rows += 1
                case .row(let row):
                    if let id = row.faceID, !ids.insert(id).inserted {
                        // Close the batch before this row: it is not done yet.
                        rowsDone -= 1
                        swap(&consumed, &consumedBefore)
                        guard send(last: false) else { return }
                        swap(&consumed, &consumedBefore)
                        rowsDone += 1
                        ids.insert(id)
                    }
                    faces.append(
                        NewFace(
                            identity: row.identity, embedding: row.embedding,
                            id: row.faceID.map(FaceID.init(rawValue:)), source: row.source, metadata: row.metadata))
                    batch.rows += 1
                    if faces.count >= chunk { guard prepare() else { return } }
                case .identity, .database:
                    break  // the validator passes rows through or rejects them; it makes nothing else
                }
            }
            if batch.rows >= batchSize {
                guard send(last: false) else { return }
            }
        }
    }
}

/// The rejects file of an import, written to a temporary file and put in place at the end (also
/// when the import stops part-way): it then lists exactly the rows this import rejected. A file
/// already at the path is replaced, by an empty one when nothing was rejected; with no rejected
/// rows and no file there, none is created.
final class RejectsFile {
    private let writer: RejectsWriter?

    /// Starts the rejects file at `path` (nil: rejected rows are only counted), after checking the
    /// path with ``OutputPathGuard`` (no directory, link or file of `database`).
    init(path: String?, database: String) throws {
        guard let path else {
            writer = nil
            return
        }
        try OutputPathGuard(databases: [database], force: true).check(path, what: "The rejects file")
        writer = try RejectsWriter(path: path)
    }

    func write(_ rejected: RejectedRow) throws {
        try writer?.write(rejected)
    }

    func close() throws { try writer?.close() }
}
