import FaceDBCalibration
import FaceDBCore
import FaceDBIndex
import Foundation

extension FaceDatabase {
    // MARK: - Operating point

    /// The stored calibration, or nil when the database was never calibrated. Decoded from the store
    /// once and then kept in memory (this process is the database's only writer).
    public func operatingPoint() throws -> OperatingPoint? {
        try checkOpen()
        return try calibration.value {
            guard let bytes = try store.calibrationDocument() else { return nil }
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                return try decoder.decode(OperatingPoint.self, from: Data(bytes))
            } catch {
                throw FaceDBError(
                    .corruption, "The stored calibration is not readable.",
                    remedy: "Run `facedb calibrate` again to replace it.", path: path, cause: "\(error)")
            }
        }
    }

    /// Stores `point` as the database's operating point (nil removes it).
    public func setOperatingPoint(_ point: OperatingPoint?) throws {
        try checkOpen()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let bytes = try point.map { Array(try encoder.encode($0)) }
        try writeLock.withLock { _ in
            try store.setCalibrationDocument(bytes)
            calibration.set(point)
        }
    }

    /// The threshold 1:1 decisions use now, and where it comes from (calibration, model default, or none).
    public func verificationThreshold() throws -> VerificationThreshold {
        try checkOpen()
        let (threshold, source) = threshold(override: nil, identification: false, point: try operatingPoint())
        return VerificationThreshold(threshold: threshold, source: source)
    }

    /// The threshold for 1:N (`identification`) or 1:1 decisions and where it comes from:
    /// the caller's, else the calibrated one, else the model's default, else none.
    func threshold(override: Float?, identification: Bool, point: OperatingPoint?) -> (Float?, ThresholdSource) {
        if let override { return (override, .caller) }
        if let point {
            if identification, let t = point.identificationThreshold { return (t, .calibratedIdentification) }
            return (point.verificationThreshold, .calibratedVerification)
        }
        if let t = ModelDefaults.threshold(for: space) { return (t, .modelDefault) }
        return (nil, .none)
    }

    /// Whether `score` passes `threshold` in the metric's direction (``Metric/passes(_:threshold:)``).
    func passes(_ score: Float, _ threshold: Float) -> Bool {
        space.metric.passes(score, threshold: threshold)
    }

    func checkNotEmpty() throws {
        if store.faceCount == 0 {
            throw FaceDBError(
                .emptyDatabase, "The database at \(path) holds no faces.",
                remedy: "Add faces first (enroll photos or import embeddings).", path: path)
        }
    }

    // MARK: - 1:N

    /// Who is this? The top-k identities for `embedding` (open set: the answer may be nobody).
    ///
    /// Candidate faces come from the index (as many as needed to fill k identities), are scored
    /// exactly, fused per identity, and decided against the operating point: ``Decision/match``,
    /// ``Decision/ambiguous`` (runner-up within the margin) or ``Decision/unknown``.
    ///
    /// - Throws: `.dimensionMismatch`, `.invalidVector`, `.invalidArgument` (k < 1), `.emptyDatabase`.
    public func identify(_ embedding: [Float], options: IdentificationOptions = IdentificationOptions()) throws -> Identification {
        try identify(batch: [embedding], options: options)[0]
    }

    /// Probes identified per index call by ``identify(batch:options:)``.
    static let identifyChunk = 4096

    /// ``identify(_:options:)-5eq7f`` for many probes; the first index search is one batch call per 4,096 probes.
    public func identify(batch embeddings: [[Float]], options: IdentificationOptions = IdentificationOptions()) throws -> [Identification] {
        try checkOpen()
        // Large batches go in chunks, so that an async call's cancellation is seen between them.
        if embeddings.count > Self.identifyChunk {
            var answers: [Identification] = []
            answers.reserveCapacity(embeddings.count)
            for start in stride(from: 0, to: embeddings.count, by: Self.identifyChunk) {
                try CancellationFlag.checkpoint()
                answers += try identify(batch: Array(embeddings[start..<min(start + Self.identifyChunk, embeddings.count)]), options: options)
            }
            return answers
        }
        let started = metrics.searchStarted()
        guard options.k >= 1 else {
            throw FaceDBError(.invalidArgument, "k must be at least 1, got \(options.k).", remedy: "Ask for one or more identities.")
        }
        if case .meanOfBest(let m) = options.fusion, m < 1 {
            throw FaceDBError(.invalidArgument, "Fusion needs at least one face, got mean of best \(m).", remedy: "Use m ≥ 1.")
        }
        try checkNotEmpty()
        let point = try operatingPoint()
        let (threshold, source) = threshold(override: options.threshold, identification: true, point: point)
        let margin = options.margin ?? IdentificationOptions.defaultMargin
        // First round for everyone at once: a few faces per wanted identity.
        let faces = min(store.faceCount, options.k * 4)
        let rounds = try searchIndex(batch: embeddings, k: faces, filter: options.filter)
        var answers: [Identification] = []
        for (q, embedding) in embeddings.enumerated() {
            var hits = rounds[q]
            // Widen until k distinct identities are found or every face was seen.
            var wanted = faces
            while Set(hits.map(\.identity)).count < options.k && hits.count == wanted && wanted < store.faceCount {
                wanted = min(store.faceCount, wanted * 4)
                hits = try searchIndex(batch: [embedding], k: wanted, filter: options.filter)[0]
            }
            let query = try space.prepare(embedding, what: "query embedding")
            var candidates = try fuse(hits, query: query, fusion: options.fusion)
            candidates = Array(candidates.prefix(options.k))
            answers.append(decide(candidates, threshold: threshold, source: source, margin: margin))
        }
        metrics.searched(.identify, probes: embeddings.count, since: started)
        return answers
    }

    /// Groups face hits by identity and fuses their scores; best identity first.
    private func fuse(_ hits: [FaceMatch], query: [Float], fusion: ScoreFusion) throws -> [IdentityMatch] {
        var best: [String: FaceMatch] = [:]
        var order: [String] = []
        for hit in hits where best[hit.identity] == nil {
            best[hit.identity] = hit
            order.append(hit.identity)
        }
        var matches: [IdentityMatch] = []
        for identity in order {
            let top = best[identity]!
            var score = top.score
            if case .meanOfBest(let m) = fusion, m > 1 {
                let faces = try rescore(try store.faceIDs(of: identity).map(\.rawValue), query: query, k: m)
                score = fusion.fuse(faces.map(\.score))
            }
            matches.append(IdentityMatch(identity: identity, score: score, bestFace: top.faceID, decision: .unknown))
        }
        let metric = space.metric
        matches.sort { a, b in metric.ranksBefore(a.score, b.score, tieBreak: a.identity < b.identity) }
        return matches
    }

    /// Applies the threshold and the ambiguity margin.
    private func decide(_ candidates: [IdentityMatch], threshold: Float?, source: ThresholdSource, margin: Float) -> Identification {
        var matches = candidates
        guard let threshold else {
            for i in matches.indices { matches[i].decision = .noThreshold }
            return Identification(matches: matches, decision: matches.isEmpty ? .unknown : .noThreshold, threshold: nil, thresholdSource: source)
        }
        for i in matches.indices { matches[i].decision = passes(matches[i].score, threshold) ? .match : .unknown }
        if matches.count >= 2, matches[0].decision == .match, matches[1].decision == .match,
            space.metric.margin(of: matches[0].score, over: matches[1].score) < margin
        {
            matches[0].decision = .ambiguous
        }
        return Identification(matches: matches, decision: matches.first?.decision ?? .unknown, threshold: threshold, thresholdSource: source)
    }

    // MARK: - 1:1

    /// Is this `identity`? The fused score of `embedding` against the identity's faces, decided at
    /// the 1:1 operating point, with the estimated false-match rate of that score.
    ///
    /// - Throws: `.unknownIdentity`, `.dimensionMismatch`, `.invalidVector`, `.insufficientData` when the
    ///   identity has no faces.
    public func verify(_ embedding: [Float], identity: String, fusion: ScoreFusion = .bestFace, threshold: Float? = nil) throws -> Verification {
        try checkOpen()
        let started = metrics.searchStarted()
        guard try store.identity(identity) != nil else { throw FaceDBError.unknownIdentity(identity) }
        let query = try space.prepare(embedding, what: "query embedding")
        // One read of the identity's faces gives both the fused score and the best face.
        let faces = try rescore(try store.faceIDs(of: identity).map(\.rawValue), query: query, k: .max)
        guard let best = faces.first else {
            throw FaceDBError(
                .insufficientData, "The identity '\(identity)' has no faces to verify against.",
                remedy: "Add faces of '\(identity)' first.", identity: identity)
        }
        var result = try verification(score: fusion.fuse(faces.map(\.score)), threshold: threshold)
        result.bestFace = best.faceID
        metrics.searched(.verify, probes: 1, since: started)
        return result
    }

    /// Are these the same person? The score between two embeddings, decided at the 1:1 operating point.
    public func verify(_ a: [Float], _ b: [Float], threshold: Float? = nil) throws -> Verification {
        try checkOpen()
        let started = metrics.searchStarted()
        let x = try space.prepare(a, what: "first embedding")
        let y = try space.prepare(b, what: "second embedding")
        let result = try verification(score: exactScore(x, y), threshold: threshold)
        metrics.searched(.verify, probes: 1, since: started)
        return result
    }

    private func verification(score: Float, threshold override: Float?) throws -> Verification {
        let point = try operatingPoint()
        let (threshold, source) = threshold(override: override, identification: false, point: point)
        let decision: Decision = threshold.map { passes(score, $0) ? .match : .unknown } ?? .noThreshold
        let estimate = try point?.impostorTail.estimatedFMR(of: score)
        return Verification(
            score: score, decision: decision, threshold: threshold, thresholdSource: source,
            estimatedFMR: estimate?.value, estimatedFMRIsBound: estimate.map { !$0.isExact },
            impostorPairs: point?.impostorPairs, bestFace: nil)
    }
}
