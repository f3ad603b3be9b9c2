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
    /// - Throws: `.emptyDatabase`; `.insufficientData` with what is missing (two identities, an identity
    ///   with two faces, enough impostor pairs for the target FMR); `.invalidArgument` for bad options.
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
        var vectors: [[Float]] = []
        var owner: [Int] = []
        for (g, group) in chosen.enumerated() {
            if g % 256 == 0 { try CancellationFlag.checkpoint() }
            for v in try store.vectors(group.faces.map(\.rawValue)) {
                guard let v else { continue }
                vectors.append(v)
                owner.append(g)
            }
        }
        let genuine = sampleGenuine(owner: owner, vectors: vectors, cap: options.maxGenuinePairs, rng: &rng)
        guard !genuine.isEmpty else {
            throw FaceDBError(
                .insufficientData, "Calibration needs identities with two or more faces; none has.",
                remedy: "Enroll at least two faces per person for some people.")
        }
        let impostor = sampleImpostors(owner: owner, vectors: vectors, cap: options.maxImpostorPairs, rng: &rng)
        let roc = try ROC(genuine: genuine, impostor: impostor, metric: space.metric)
        let (identification, note) = try measureIdentification(chosen, options: options)
        let point = try operatingPoint(roc: roc, targetFMR: options.targetFMR, identification: identification, targetFPIR: options.targetFPIR)
        if options.store {
            try setOperatingPoint(point)
            try audit(
                "calibrate", counts: ["faces": vectors.count, "identities": chosen.count],
                details: ["threshold": "\(point.verificationThreshold)", "target_fmr": "\(point.targetFMR)"])
        }
        return CalibrationReport(
            roc: roc, points: try roc.points(fmrs: ROC.standardFMRs), equalErrorRate: try roc.equalErrorRate,
            operatingPoint: point, identification: identification, identificationNote: note,
            faces: vectors.count, identities: chosen.count)
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
        if options.store {
            try setOperatingPoint(point)
            try audit(
                "calibrate", counts: ["pairs": pairs.count],
                details: ["threshold": "\(point.verificationThreshold)", "target_fmr": "\(point.targetFMR)", "from": "pairs"])
        }
        return CalibrationReport(
            roc: roc, points: try roc.points(fmrs: ROC.standardFMRs), equalErrorRate: try roc.equalErrorRate,
            operatingPoint: point, identification: nil,
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

    /// The operating point at `targetFMR`, refused when the impostor pairs cannot support that rate.
    private func operatingPoint(roc: ROC, targetFMR: Double, identification: FPIRCalibration?, targetFPIR: Double?) throws -> OperatingPoint {
        guard roc.isSupported(fmr: targetFMR), let threshold = roc.threshold(forFMR: targetFMR) else {
            let needed = Int((10 / targetFMR).rounded(.up))
            throw FaceDBError(
                .insufficientData,
                "\(roc.impostorCount) impostor pairs cannot measure a false-match rate of \(targetFMR): that needs at least \(needed).",
                remedy:
                    "Add more identities, raise the impostor-pair cap, or choose a larger target FMR (≥ \(10 / Double(max(roc.impostorCount, 1)))).")
        }
        let fpirThreshold = identification.flatMap { f in targetFPIR.flatMap { f.isSupported(fpir: $0) ? f.threshold(forFPIR: $0) : nil } }
        return OperatingPoint(
            verificationThreshold: threshold, targetFMR: targetFMR, measuredFMR: try roc.fmr(at: threshold), fnmr: try roc.fnmr(at: threshold),
            genuinePairs: roc.genuineCount, impostorPairs: roc.impostorCount, impostorTail: try roc.impostorTail(),
            identificationThreshold: fpirThreshold, targetFPIR: fpirThreshold == nil ? nil : targetFPIR,
            galleryIdentities: fpirThreshold == nil ? nil : identification?.galleryIdentities,
            identificationProbes: fpirThreshold == nil ? nil : identification?.probeCount, date: Date())
    }

    /// Scores of pairs of faces of the same identity: all of them, or a uniform sample of `cap`.
    private func sampleGenuine(owner: [Int], vectors: [[Float]], cap: Int, rng: inout SplitMix64) -> [Float] {
        var members: [Int: [Int]] = [:]
        for (row, o) in owner.enumerated() { members[o, default: []].append(row) }
        let groups = members.values.filter { $0.count >= 2 }.sorted { $0[0] < $1[0] }
        let pairCounts = groups.map { $0.count * ($0.count - 1) / 2 }
        let total = pairCounts.reduce(0, +)
        var scores: [Float] = []
        if total <= cap {
            for g in groups {
                for i in 0..<g.count { for j in (i + 1)..<g.count { scores.append(exactScore(vectors[g[i]], vectors[g[j]])) } }
            }
            return scores
        }
        // Sample a pair uniformly: an identity in proportion to its pairs, then two distinct faces.
        var prefix: [Int] = []
        var acc = 0
        for c in pairCounts { acc += c; prefix.append(acc) }
        for _ in 0..<cap {
            let r = Int.random(in: 0..<total, using: &rng)
            var lo = 0, hi = prefix.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if prefix[mid] > r { hi = mid } else { lo = mid + 1 } }
            let g = groups[lo]
            let i = Int.random(in: 0..<g.count, using: &rng)
            var j = Int.random(in: 0..<(g.count - 1), using: &rng)
            if j >= i { j += 1 }
            scores.append(exactScore(vectors[g[i]], vectors[g[j]]))
        }
        return scores
    }

    /// Scores of pairs of faces of different identities: all of them, or a seeded sample of `cap`.
    private func sampleImpostors(owner: [Int], vectors: [[Float]], cap: Int, rng: inout SplitMix64) -> [Float] {
        let n = vectors.count
        var scores: [Float] = []
        if n * (n - 1) / 2 <= cap {
            for i in 0..<n { for j in (i + 1)..<n where owner[i] != owner[j] { scores.append(exactScore(vectors[i], vectors[j])) } }
            return scores
        }
        scores.reserveCapacity(cap)
        while scores.count < cap {
            let i = Int.random(in: 0..<n, using: &rng)
            let j = Int.random(in: 0..<n, using: &rng)
            if owner[i] != owner[j] { scores.append(exactScore(vectors[i], vectors[j])) }
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
