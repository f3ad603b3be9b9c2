import FaceDBCalibration
import FaceDBCore
import Foundation

extension FaceDatabase {
    /// Measures the database's own genuine and impostor scores and chooses its operating point.
    ///
    /// Genuine pairs are pairs of faces of one identity; impostor pairs are pairs of faces of different
    /// identities (all of them, or a seeded sample up to the cap). The 1:1 threshold is the most
    /// permissive one whose false-match rate is at most `targetFMR`. For 1:N, one face of each sampled
    /// identity is searched in the whole gallery with its own identity excluded; the best score found is
    /// an impostor's best chance at this gallery size, and the threshold keeps the false-positive
    /// identification rate at `targetFPIR`. The result is stored (unless told not to) and used by
    /// ``identify(_:options:)-5eq7f`` and ``verify(_:identity:fusion:threshold:)-69otq``.
    ///
    /// Pairs that would measure nothing are left out: two faces with identical vectors, or from
    /// the same photo (the same SHA-256), e.g. a photo enrolled twice.
    ///
    /// A small gallery is measured as far as it goes: when its impostor pairs cannot measure
    /// `targetFMR` (that takes 10 / FMR of them), the report has the ROC, the EER and the FMRs it
    /// can measure, no operating point, and a ``CalibrationReport/limitation`` that says what more
    /// data would allow; nothing is stored.
    ///
    /// - Throws: `.emptyDatabase`; `.insufficientData` with what is missing (two identities, an identity
    ///   with two faces of different photos); `.invalidArgument` for bad options.
    public func calibrate(_ options: CalibrationOptions = CalibrationOptions()) throws -> CalibrationReport {
        try checkOpen()
        try checkOptions(options)
        try checkNotEmpty()
        var rng = SplitMix64(seed: options.seed)
        // Whole identities, in random order, up to the face budget.
        var groups = try store.facesByIdentity()
        groups.shuffle(using: &rng)
        var chosen: [(identity: String, faces: [FaceID])] = []
        var total = 0
        for group in groups where total + group.faces.count <= options.maxFaces || chosen.count < 2 {
            chosen.append(group)
            total += group.faces.count
        }
        guard chosen.count >= 2 else {
            throw FaceDBError(
                .insufficientData, "Calibration needs at least two identities; the database has \(chosen.count).",
                remedy: "Add faces of more people first.")
        }
        var faces = CalibrationFaces()
        for (g, group) in chosen.enumerated() {
            if g % 256 == 0 { try CancellationFlag.checkpoint() }
            for id in group.faces {
                guard let face = try store.face(id) else { continue }
                faces.append(face.embedding, owner: g, photo: face.source?.imageSHA256)
            }
        }
        let genuine = sampleGenuine(faces, cap: options.maxGenuinePairs, rng: &rng)
        guard !genuine.isEmpty else {
            throw FaceDBError(
                .insufficientData, "Calibration needs identities with two or more faces from different photos; none has.",
                remedy: "Enroll at least two photos per person for some people.")
        }
        let impostor = sampleImpostors(faces, cap: options.maxImpostorPairs, rng: &rng)
        let roc = try ROC(genuine: genuine, impostor: impostor, metric: space.metric)
        let (identification, note) = try measureIdentification(chosen, options: options)
        let point = try operatingPoint(roc: roc, targetFMR: options.targetFMR, identification: identification, targetFPIR: options.targetFPIR)
        let limitation =
            point == nil
            ? Self.limitation(
                roc: roc, targetFMR: options.targetFMR, capped: impostor.count >= options.maxImpostorPairs,
                facesNeeded: CalibrationFaces.facesNeeded(forImpostorPairs: Self.pairsNeeded(forFMR: options.targetFMR))) : nil
        if options.store, let point {
            try setOperatingPoint(point)
            try audit(
                "calibrate", counts: ["faces": faces.count, "identities": chosen.count],
                details: ["threshold": "\(point.verificationThreshold)", "target_fmr": "\(point.targetFMR)"])
        }
        return CalibrationReport(
            roc: roc, points: try roc.points(fmrs: ROC.standardFMRs), equalErrorRate: try roc.equalErrorRate,
            operatingPoint: point, limitation: limitation, identification: identification, identificationNote: note,
            faces: faces.count, identities: chosen.count)
    }

    /// Calibrates from labelled pairs of embeddings (e.g. scored elsewhere on a benchmark) instead of
    /// the stored gallery. The 1:N threshold is left out (it needs the gallery).
    public func calibrate(pairs: [EmbeddingPair], options: CalibrationOptions = CalibrationOptions()) throws -> CalibrationReport {
        try checkOpen()
        try checkOptions(options)
        var genuine: [Float] = []
        var impostor: [Float] = []
        for (i, pair) in pairs.enumerated() {
            let a = try space.prepare(pair.a, what: "embedding a of pair #\(i + 1)")
            let b = try space.prepare(pair.b, what: "embedding b of pair #\(i + 1)")
            if pair.same { genuine.append(exactScore(a, b)) } else { impostor.append(exactScore(a, b)) }
        }
        guard !genuine.isEmpty, !impostor.isEmpty else {
            throw FaceDBError(
                .insufficientData, "Calibration needs both same-person and different-person pairs (\(genuine.count) and \(impostor.count) given).",
                remedy: "Label pairs with same = 1 and same = 0.")
        }
        let roc = try ROC(genuine: genuine, impostor: impostor, metric: space.metric)
        let point = try operatingPoint(roc: roc, targetFMR: options.targetFMR, identification: nil, targetFPIR: nil)
        let limitation =
            point == nil
            ? Self.limitation(roc: roc, targetFMR: options.targetFMR, capped: false, facesNeeded: nil)
                + " Label more different-person pairs." : nil
        if options.store, let point {
            try setOperatingPoint(point)
            try audit(
                "calibrate", counts: ["pairs": pairs.count],
                details: ["threshold": "\(point.verificationThreshold)", "target_fmr": "\(point.targetFMR)", "from": "pairs"])
        }
        return CalibrationReport(
            roc: roc, points: try roc.points(fmrs: ROC.standardFMRs), equalErrorRate: try roc.equalErrorRate,
            operatingPoint: point, limitation: limitation, identification: nil,
            identificationNote: "1:N needs the stored gallery; calibrated from pairs",
            faces: pairs.count * 2, identities: 0)
    }

    private func checkOptions(_ o: CalibrationOptions) throws {
        for (name, rate) in [("target FMR", o.targetFMR), ("target FPIR", o.targetFPIR)] where !(rate > 0 && rate < 1) {
            throw FaceDBError(.invalidArgument, "The \(name) must be between 0 and 1, got \(rate).", remedy: "Use e.g. 1e-3.")
        }
        for (name, n) in [("max impostor pairs", o.maxImpostorPairs), ("max genuine pairs", o.maxGenuinePairs), ("max faces", o.maxFaces)] where n < 1
        {
            throw FaceDBError(.invalidArgument, "The \(name) must be at least 1, got \(n).", remedy: "Give a positive cap.")
        }
    }

    /// The impostor pairs it takes to measure a false-match rate of `fmr` (``ScoreList``'s rule:
    /// ten false matches expected at that rate).
    static func pairsNeeded(forFMR fmr: Double) -> Int { Int((10 / fmr).rounded(.up)) }

    /// One line on what the impostor pairs measured and what more data would allow.
    static func limitation(roc: ROC, targetFMR: Double, capped: Bool, facesNeeded: Int?) -> String {
        let needed = pairsNeeded(forFMR: targetFMR)
        let floor = roc.impostorCount > 0 ? 10 / Double(roc.impostorCount) : 1
        var line =
            "\(roc.impostorCount) impostor pairs measure false-match rates down to \(String(format: "%.1g", floor)); "
            + "FMR \(targetFMR) needs \(needed), so no operating point was stored."
        if capped {
            line += " Raise the impostor-pair cap (--max-impostors) to \(needed)."
        } else if let facesNeeded {
            line += " About \(facesNeeded) faces of different people would give that many"
            line += String(format: " (or calibrate for a target FMR of %.1g or more).", floor)
        }
        return line
    }

    /// The operating point at `targetFMR`, or nil when the impostor pairs cannot measure that rate.
    private func operatingPoint(roc: ROC, targetFMR: Double, identification: FPIRCalibration?, targetFPIR: Double?) throws -> OperatingPoint? {
        guard roc.isSupported(fmr: targetFMR), let threshold = roc.threshold(forFMR: targetFMR) else { return nil }
        let fpirThreshold = identification.flatMap { f in targetFPIR.flatMap { f.isSupported(fpir: $0) ? f.threshold(forFPIR: $0) : nil } }
        return OperatingPoint(
            verificationThreshold: threshold, targetFMR: targetFMR, measuredFMR: try roc.fmr(at: threshold), fnmr: try roc.fnmr(at: threshold),
            genuinePairs: roc.genuineCount, impostorPairs: roc.impostorCount, impostorTail: try roc.impostorTail(),
            identificationThreshold: fpirThreshold, targetFPIR: fpirThreshold == nil ? nil : targetFPIR,
            galleryIdentities: fpirThreshold == nil ? nil : identification?.galleryIdentities,
            identificationProbes: fpirThreshold == nil ? nil : identification?.probeCount, date: Date())
    }

    /// Scores of pairs of faces of the same identity (``CalibrationFaces/isMeasurable(_:_:)``
    /// ones): all of them, or a uniform sample of `cap`.
    private func sampleGenuine(_ faces: CalibrationFaces, cap: Int, rng: inout SplitMix64) -> [Float] {
        var members: [Int: [Int]] = [:]
        for (row, o) in faces.owner.enumerated() { members[o, default: []].append(row) }
        let groups = members.values.filter { $0.count >= 2 }.sorted { $0[0] < $1[0] }
        let pairCounts = groups.map { $0.count * ($0.count - 1) / 2 }
        let total = pairCounts.reduce(0, +)
        var scores: [Float] = []
        if total <= cap {
            for g in groups {
                for i in 0..<g.count {
                    for j in (i + 1)..<g.count where faces.isMeasurable(g[i], g[j]) {
                        scores.append(exactScore(faces.vectors[g[i]], faces.vectors[g[j]]))
                    }
                }
            }
            return scores
        }
        // Sample a pair uniformly: an identity in proportion to its pairs, then two distinct faces.
        // Pairs left out are drawn again, up to 4 × cap draws (a gallery of mostly duplicates ends early).
        var prefix: [Int] = []
        var acc = 0
        for c in pairCounts { acc += c; prefix.append(acc) }
        for _ in 0..<(4 * cap) where scores.count < cap {
            let r = Int.random(in: 0..<total, using: &rng)
            var lo = 0, hi = prefix.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if prefix[mid] > r { hi = mid } else { lo = mid + 1 } }
            let g = groups[lo]
            let i = Int.random(in: 0..<g.count, using: &rng)
            var j = Int.random(in: 0..<(g.count - 1), using: &rng)
            if j >= i { j += 1 }
            if faces.isMeasurable(g[i], g[j]) { scores.append(exactScore(faces.vectors[g[i]], faces.vectors[g[j]])) }
        }
        return scores
    }

    /// Scores of pairs of faces of different identities (measurable ones): all of them, or a
    /// seeded sample of `cap`.
    private func sampleImpostors(_ faces: CalibrationFaces, cap: Int, rng: inout SplitMix64) -> [Float] {
        let n = faces.count
        var scores: [Float] = []
        if n * (n - 1) / 2 <= cap {
            for i in 0..<n {
                for j in (i + 1)..<n where faces.owner[i] != faces.owner[j] && faces.isMeasurable(i, j) {
                    scores.append(exactScore(faces.vectors[i], faces.vectors[j]))
                }
            }
            return scores
        }
        scores.reserveCapacity(cap)
        for _ in 0..<(4 * cap) where scores.count < cap {
            let i = Int.random(in: 0..<n, using: &rng)
            let j = Int.random(in: 0..<n, using: &rng)
            if faces.owner[i] != faces.owner[j] && faces.isMeasurable(i, j) { scores.append(exactScore(faces.vectors[i], faces.vectors[j])) }
        }
        return scores
    }

    /// For 1:N: searches one face of each sampled identity with its own identity excluded and records
    /// the best score found (an impostor's best chance against this gallery).
    private func measureIdentification(_ groups: [(identity: String, faces: [FaceID])], options: CalibrationOptions) throws -> (
        FPIRCalibration?, String?
    ) {
        let probes = Array(groups.prefix(options.maxIdentificationProbes))
        var best: [Float] = []
        for chunk in stride(from: 0, to: probes.count, by: 256) {
            let part = Array(probes[chunk..<min(chunk + 256, probes.count)])
            let vectors = try store.vectors(part.map { $0.faces[0].rawValue })
            let k = min(store.faceCount, (part.map(\.faces.count).max() ?? 0) + 1)
            let queries = vectors.compactMap { $0 }
            guard queries.count == part.count else { continue }
            let results = try searchIndex(batch: queries, k: k, filter: .none)
            for (probe, hits) in zip(part, results) {
                if let hit = hits.first(where: { $0.identity != probe.identity }) { best.append(hit.score) }
            }
        }
        guard !best.isEmpty else { return (nil, "no impostor probe found another identity") }
        let fpir = try FPIRCalibration(bestImpostorScores: best, galleryIdentities: store.identityCount, metric: space.metric)
        if !fpir.isSupported(fpir: options.targetFPIR) {
            return (
                fpir,
                "\(best.count) probes cannot measure an FPIR of \(options.targetFPIR) (needs \(Int((10 / options.targetFPIR).rounded(.up)))); 1:N uses the 1:1 threshold"
            )
        }
        return (fpir, nil)
    }
}
