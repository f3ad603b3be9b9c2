import FaceDBCore
import FaceDBIndex
import FaceDBStorage
import Foundation
import Logging

extension FaceDatabase {
    // MARK: - Loading

    /// Brings the index up to date with the store: snapshot + change-log replay, else a rebuild
    /// (written as a new snapshot unless the database is read-only).
    func loadIndex() throws {
        let storeSequence = store.sequence
        let configuration = store.indexConfiguration
        let problem: SnapshotProblem
        if FileManager.default.fileExists(atPath: snapshotPath) {
            do {
                let snapshot = try IndexSnapshot.read(from: snapshotPath, cipher: store.dataCipher)
                if let why = try catchUp(snapshot, configuration: configuration, storeSequence: storeSequence) {
                    problem = why
                } else {
                    return
                }
            } catch {
                problem = SnapshotProblem(kind: .damaged, reason: "the index snapshot is unusable (\(error))")
            }
        } else {
            problem = SnapshotProblem(kind: .missing, reason: "there is no index snapshot")
        }
        snapshotProblem = problem
        logger.warning(
            "\(problem); rebuilding the index from the store\(options.readOnly ? " in memory (read-only)" : "")",
            metadata: [
                "problem": "\(problem.kind.rawValue)", "faces": "\(store.faceCount)", "sequence": "\(storeSequence)",
            ])
        metrics.rebuiltIndex(reason: problem.kind.rawValue)
        (index, indexDigest) = try buildIndex(configuration: configuration)
        indexSequence = storeSequence
        guard !options.readOnly else { return }
        tuneIfDue(index)
        try writeSnapshot()
    }

    /// Adopts a snapshot and replays the changes logged after it. Returns why it cannot be used, or nil on success.
    private func catchUp(_ snapshot: IndexSnapshot.Loaded, configuration: IndexConfiguration, storeSequence: UInt64) throws -> SnapshotProblem? {
        func outdated(_ reason: String) -> SnapshotProblem { SnapshotProblem(kind: .outdated, reason: reason) }
        func damaged(_ reason: String) -> SnapshotProblem { SnapshotProblem(kind: .damaged, reason: reason) }
        guard let snapshotStore = snapshot.storeID, let snapshotDigest = snapshot.digest else {
            return outdated("the index snapshot is of an older format (without the store's id and vector digest)")
        }
        guard snapshotStore == store.storeID else {
            return damaged("the index snapshot belongs to another store (its store id differs)")
        }
        guard snapshot.configuration == configuration else {
            return outdated("the index snapshot is a \(snapshot.configuration) index but the database uses \(configuration)")
        }
        guard snapshot.index.dimension == space.dimension, snapshot.index.metric == space.metric else {
            return damaged("the index snapshot does not match the embedding space")
        }
        guard snapshot.sequence <= storeSequence else {
            return damaged("the index snapshot (sequence \(snapshot.sequence)) is newer than the store (sequence \(storeSequence))")
        }
        guard let changes = try store.changes(after: snapshot.sequence) else {
            return outdated(
                "the index snapshot (sequence \(snapshot.sequence)) is older than the change log (which starts after \(store.logTruncatedThrough))")
        }
        let candidate = snapshot.index
        var digest = snapshotDigest
        do {
            for (_, change) in changes {
                if !change.removed.isEmpty {
                    for (id, vector) in try Self.heldVectors(change.removed, in: candidate) {
                        vector.withUnsafeBufferPointer { digest.remove(id: id, vector: $0) }
                    }
                    try candidate.remove(ids: change.removed)
                }
                // Faces added then removed later in the log have no vector any more: skip them.
                var ids: [Int64] = []
                var vectors: [Float] = []
                for (id, vector) in zip(change.added, try store.vectors(change.added)) {
                    guard let vector else { continue }
                    ids.append(id)
                    vectors.append(contentsOf: vector)
                }
                if !ids.isEmpty {
                    try candidate.add(ids: ids, vectors: vectors)
                    digest.add(ids: ids, vectors: vectors, dimension: space.dimension)
                }
            }
        } catch {
            return damaged("replaying the change log onto the index snapshot failed (\(error))")
        }
        guard candidate.count == store.faceCount else {
            return damaged("the index holds \(candidate.count) vectors after replay but the store has \(store.faceCount) faces")
        }
        guard digest == store.vectorsDigest else {
            return damaged(
                "the index snapshot's vectors differ from the store's (vector digest \(digest) after replay, the store's \(store.vectorsDigest))")
        }
        index = candidate
        indexDigest = digest
        indexSequence = storeSequence
        snapshotState.didSnapshot(at: snapshot.sequence)
        if changes.isEmpty {
            logger.debug("loaded the index snapshot", metadata: ["sequence": "\(snapshot.sequence)", "faces": "\(candidate.count)"])
        } else {
            logger.notice(
                "replayed \(changes.count) logged changes onto the index snapshot",
                metadata: [
                    "changes": "\(changes.count)", "snapshot_sequence": "\(snapshot.sequence)", "sequence": "\(storeSequence)",
                    "faces": "\(candidate.count)",
                ])
        }
        return nil
    }

    // MARK: - Building

    /// The vectors `index` holds of `ids`, by id (ids it does not hold are left out).
    static func heldVectors(_ ids: [Int64], in index: VectorIndex) throws -> [(Int64, [Float])] {
        let dim = index.dimension
        if let all = try? index.vectors(for: ids) {
            return ids.enumerated().map { ($1, Array(all[($0 * dim)..<(($0 + 1) * dim)])) }
        }
        return ids.compactMap { id in (try? index.vectors(for: [id])).map { (id, $0) } }
    }

    /// Builds a new index of `configuration` from every stored vector (training IVF kinds on a sample
    /// first), with the digest of the vectors it was given.
    func buildIndex(configuration: IndexConfiguration, progress: ((Int, Int) -> Void)? = nil) throws -> (VectorIndex, VectorDigest) {
        let built = try VectorIndex(configuration: configuration, dimension: space.dimension, metric: space.metric)
        let total = store.faceCount
        if (configuration.kind == .ivf || configuration.kind == .ivfpq) && total >= configuration.trainingThreshold {
            try built.train(sample: try trainingSample(size: min(total, configuration.nlist * 256)))
        }
        var done = 0
        var digest = VectorDigest()
        try store.forEachVector { ids, vectors in
            try CancellationFlag.checkpoint()
            try built.add(ids: ids, vectors: vectors)
            digest.add(ids: ids, vectors: vectors, dimension: space.dimension)
            done += ids.count
            progress?(done, total)
        }
        return (built, digest)
    }

    /// A uniform random sample (reservoir sampling, fixed seed) of `size` stored vectors, row-major.
    private func trainingSample(size: Int) throws -> [Float] {
        let dim = space.dimension
        var sample = [Float]()
        sample.reserveCapacity(size * dim)
        var seen = 0
        var state: UInt64 = 0x5EED
        try store.forEachVector { _, vectors in
            for row in 0..<(vectors.count / dim) {
                let slice = vectors[(row * dim)..<((row + 1) * dim)]
                if seen < size {
                    sample.append(contentsOf: slice)
                } else {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let j = Int((state >> 33) % UInt64(seen + 1))
                    if j < size { sample.replaceSubrange((j * dim)..<((j + 1) * dim), with: slice) }
                }
                seen += 1
            }
        }
        return sample
    }

    // MARK: - Tuning

    /// Tunes an HNSW index's efSearch when it is due (never tuned, or doubled since: see
    /// ``VectorIndex/isTuningDue``) and logs the outcome. A failure is logged and leaves efSearch as
    /// it was. Returns whether a new value was adopted. Never called from a search.
    @discardableResult
    func tuneIfDue(_ index: VectorIndex, progress: ((Int, Int) -> Void)? = nil) -> Bool {
        guard index.isTuningDue else { return false }
        do {
            guard let tuning = try index.tuneEfSearch(progress: progress) else { return false }
            let message = String(
                format: "tuned HNSW efSearch to %d in %.1f s: recall@10 %.3f ± %.3f (target %.3f) on %d stored faces of %d%@",
                tuning.efSearch, tuning.seconds, tuning.recall, tuning.margin, tuning.target, tuning.sampleSize,
                tuning.faces, tuning.reachedTarget ? "" : "; no candidate reached the target, the largest is used")
            logger.notice("\(message)", metadata: ["ef_search": "\(tuning.efSearch)", "faces": "\(tuning.faces)"])
            return true
        } catch {
            logger.warning("tuning HNSW efSearch failed; searches keep efSearch \(index.efSearch ?? 0)", metadata: ["error": "\(error)"])
            return false
        }
    }

    // MARK: - Snapshots

    /// Writes the index snapshot for the current state and trims the change log behind it.
    /// With `tuning`, first tunes HNSW's efSearch if that is due (the tuning is part of the snapshot).
    /// With `force`, writes it even when the last snapshot has the same sequence (erasure: the index
    /// dropped its tombstones, which the file still holds).
    func writeSnapshot(tuning: Bool = false, force: Bool = false) throws {
        guard !options.readOnly else { return }
        let retuned = tuning && tuneIfDue(indexLock.withReadLock { index })
        // Nothing changed since the last snapshot written or loaded: the file already holds this state.
        if !retuned, !force, let last = snapshotState.sequence, last >= indexLock.withReadLock({ indexSequence }) { return }
        try DiskSpace.require(
            indexLock.withReadLock { index.estimatedMemoryBytes }, reserve: options.diskReserve,
            at: path, for: "the index snapshot")
        // The index is streamed to the file under the read lock, with no copy of it: writers wait
        // while its bytes go into the page cache (not for the fsync, which comes after the lock).
        // Copying it first, as before, let writers wait only for a memcpy but held a second copy
        // of the index for as long as the write took, and two while it was copied (the shim's
        // buffer and the Swift array): a 1.66M × 64-D flat index peaked at 1.59 GB on close
        // (issue 17). Streaming trades that memory for writers waiting on write(2) into the page
        // cache instead of on a memcpy; the fsync, which dominates on this machine (about 214 MB/s,
        // BENCHMARKS.md), runs after the lock is released. Peak RSS now: BENCHMARKS.md "Memory".
        let started = DispatchTime.now()
        var faces = 0
        let written = try snapshotState.write { newest in
            try IndexSnapshot.write(to: snapshotPath, cipher: store.dataCipher) { emit in
                try indexLock.withReadLock {
                    if let newest, newest > indexSequence { return }
                    // The snapshot must never get ahead of what the store keeps through a power loss
                    // (opening takes a store behind its own snapshot for a damaged one): with the index
                    // held, every write it reflects is committed; sync the log that holds them.
                    if options.durability != .powerLoss { try store.syncWriteAheadLog() }
                    faces = index.count
                    try emit(index, IndexSnapshot.Stamp(sequence: indexSequence, storeID: store.storeID, digest: indexDigest))
                }
            }
        }
        guard let written else {
            logger.debug("a newer index snapshot was written meanwhile; this one was dropped")
            return
        }
        let nanoseconds = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
        metrics.wroteSnapshot(nanoseconds: nanoseconds)
        logger.info(
            "wrote the index snapshot",
            metadata: [
                "sequence": "\(written)", "faces": "\(faces)", "seconds": "\(String(format: "%.3f", Double(nanoseconds) / 1e9))",
            ])
        try store.truncateChangeLog(through: written)
    }

    /// Counts changed faces and starts a background snapshot when enough have changed and writes
    /// pause (see ``SnapshotState``).
    func noteChanged(_ faces: Int) {
        let threshold = max(options.snapshotAfterChanges, store.faceCount)
        switch snapshotState.noteChanged(faces, threshold: threshold) {
        case .none: break
        case .start: writeSnapshotInBackground()
        case .waitForQuiet: startSnapshotWhenQuiet(after: options.snapshotQuietPeriod)
        }
    }

    /// Checks after `delay` seconds whether writes paused long enough to start the due snapshot.
    private func startSnapshotWhenQuiet(after delay: Double) {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self else { return }
            switch snapshotState.startIfQuiet(quietPeriod: options.snapshotQuietPeriod) {
            case .start: writeSnapshotInBackground()
            case .wait(let seconds): startSnapshotWhenQuiet(after: seconds)
            case .drop: break
            }
        }
    }

    /// After open: when the loaded index is due for efSearch tuning (it doubled since, e.g. through
    /// the replayed log), tunes it and writes the snapshot in the background, so that open stays fast.
    func tuneInBackgroundIfDue() {
        guard !options.readOnly, indexLock.withReadLock({ index.isTuningDue }), snapshotState.beginBackgroundSnapshot() else { return }
        writeSnapshotInBackground()
    }

    /// Writes a snapshot (tuning first if due) on a background queue; the caller has marked it
    /// started in ``snapshotState``.
    private func writeSnapshotInBackground() {
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { snapshotState.backgroundSnapshotEnded() }
            do { try writeSnapshot(tuning: true) } catch {
                logger.warning("writing the index snapshot failed; it will be retried; no data is lost", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Writes an index snapshot now, so the next open loads it without replaying the log (tuning
    /// HNSW's efSearch first when that is due).
    public func checkpoint() throws {
        try checkOpen()
        try checkWritable()
        try writeLock.withLock { _ in
            try writeSnapshot(tuning: true)
        }
    }

    /// Rebuilds the index from the store with another configuration (e.g. exact → HNSW) and records it.
    /// Searches keep using the old index until the new one is ready. A change of search-time
    /// parameters only (efSearch, its recall target, nprobe) is applied to a copy of the index
    /// without rebuilding, unless `rebuild` asks for one. An HNSW index whose efSearch is automatic
    /// is tuned before it is used.
    ///
    /// - Parameters:
    ///   - rebuild: rebuild from the store even when only search parameters change (or nothing does).
    ///   - progress: called with (vectors added, total) while building.
    public func reindex(_ configuration: IndexConfiguration, rebuild: Bool = false, progress: ((Int, Int) -> Void)? = nil) throws {
        try checkOpen()
        try checkWritable()
        try configuration.validate(dimension: space.dimension)
        try writeLock.withLock { _ in
            let current = indexLock.withReadLock { index }
            // efSearch and nprobe only steer searches: adopt them without rebuilding.
            let rebuild = rebuild || !(configuration.differsOnlyInSearchParameters(from: current.configuration) && current.isTrained)
            let (built, digest) =
                rebuild
                ? try buildIndex(configuration: configuration, progress: progress)
                : (try current.withSearchParameters(of: configuration), indexLock.withReadLock { indexDigest })
            if rebuild {
                metrics.rebuiltIndex(reason: "reindex")
                logger.info(
                    "rebuilt the index from the store",
                    metadata: [
                        "index": "\(configuration.kind.rawValue)", "faces": "\(built.count)",
                    ])
            }
            tuneIfDue(built)
            try indexLock.withWriteLock {
                let sequence = try store.setIndexConfiguration(configuration)
                index = built
                indexDigest = digest
                indexSequence = sequence
            }
            try writeSnapshot()
        }
        try audit("reindex", counts: ["faces": faceCount], details: ["index": configuration.description])
    }

    // MARK: - Checking

    /// Compares the index with the store: the faces the index lacks and the ids it has that the
    /// store does not, the digests of their vectors, and stored vectors with the index's copies bit
    /// for bit (a seeded random sample of `sampleSize`, or every one with `full`). A full check also
    /// reads every row of the store (RocksDB verifies each block's checksum) and recomputes the
    /// store's own vector digest. Nothing is written.
    public func checkIndex(full: Bool = false, sampleSize: Int = 1_000, seed: UInt64 = 0x5EED) throws -> IndexCheck {
        try checkOpen()
        return try writeLock.withLock { _ in
            let storedIDs = try store.allFaceIDs().map(\.rawValue)
            let stored = Set(storedIDs)
            let (indexed, digest) = try indexLock.withReadLock { (try index.allIDs(), indexDigest) }
            let indexedSet = Set(indexed)
            var check = IndexCheck(
                storedFaces: stored.count, indexedVectors: indexed.count,
                missingFromIndex: stored.subtracting(indexedSet).sorted().map { FaceID($0) },
                extraInIndex: indexedSet.subtracting(stored).sorted().map { FaceID($0) })
            check.countedFaces = store.faceCount
            check.digestsMatch = digest == store.vectorsDigest
            check.snapshotProblem = snapshotProblem
            let dim = space.dimension
            func compare(_ ids: [Int64], _ vectors: [Float]) throws {
                let held = Dictionary(uniqueKeysWithValues: try indexLock.withReadLock { try Self.heldVectors(ids, in: index) })
                for (row, id) in ids.enumerated() {
                    guard let copy = held[id] else { continue }  // reported as missing
                    check.comparedVectors += 1
                    let original = vectors[(row * dim)..<((row + 1) * dim)]
                    if !zip(copy, original).allSatisfy({ $0.bitPattern == $1.bitPattern }) { check.differingVectors.append(FaceID(id)) }
                }
            }
            if full {
                var recomputed = VectorDigest()
                try store.forEachVector { ids, vectors in
                    recomputed.add(ids: ids, vectors: vectors, dimension: dim)
                    try compare(ids, vectors)
                }
                check.storeDigestMatches = recomputed == store.vectorsDigest
                try store.verifyEveryRow()
            } else {
                var generator = SplitMix64(seed: seed)
                var sample = storedIDs
                let n = min(sampleSize, sample.count)
                for i in 0..<n { sample.swapAt(i, i + Int(generator.next() % UInt64(sample.count - i))) }
                let chosen = Array(sample.prefix(n))
                var ids: [Int64] = [], vectors: [Float] = []
                for (id, vector) in zip(chosen, try store.vectors(chosen)) {
                    guard let vector else { continue }
                    ids.append(id)
                    vectors += vector
                }
                try compare(ids, vectors)
            }
            return check
        }
    }
}

extension FaceDatabase {
    /// The live index, for benchmarks that compare FaceDB's search with FAISS's alone.
    package var vectorIndex: VectorIndex { indexLock.withReadLock { index } }
}
