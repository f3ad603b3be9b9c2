import FaceDB
import FaceDBCore
import FaceDBPhotos
import Foundation

/// One open database and the settings of a shell: runs lines and prints their results, as tables
/// or as one JSON object per result (JSON Lines). Knows nothing about terminals.
final class ShellSession {
    /// What the caller should do after a line.
    enum Outcome: Equatable {
        /// Read the next line.
        case next
        /// The line was `quit`.
        case quit
    }

    /// The database the commands run against.
    let db: FaceDatabase
    /// The face models, loaded when a command first names a photo.
    private var pipeline: FacePipeline?
    /// The current settings (`set`).
    var settings: ShellSettings
    /// The command table (shared with completion and help).
    let table: ShellCommandTable
    private let parser: ShellParser
    private let write: (String) -> Void

    /// A session on `db`; results go to `write` (standard output by default), one call per line group.
    init(
        db: FaceDatabase, settings: ShellSettings = ShellSettings(), table: ShellCommandTable = .standard,
        write: @escaping (String) -> Void = { HumanText.say($0) }
    ) {
        self.db = db
        self.settings = settings
        self.table = table
        self.parser = ShellParser(table: table)
        self.write = write
    }

    /// Runs one line: blank lines and comments do nothing.
    /// - Throws: ``FaceDBError`` when the line is malformed or the command fails.
    func run(line: String) throws -> Outcome {
        let words = try ShellTokenizer.tokenize(line).map(\.text)
        if words.isEmpty { return .next }
        return try execute(try parser.parse(words))
    }

    /// Runs a parsed command.
    func execute(_ request: ShellRequest) throws -> Outcome {
        switch request {
        case let .identify(probe, k, fusion, threshold, margin, galleries):
            let options = IdentificationOptions(
                k: k ?? settings.k, fusion: fusion ?? settings.fusion, margin: margin ?? settings.margin,
                filter: SearchFilter(galleries: galleries.isEmpty ? nil : galleries), threshold: threshold ?? settings.threshold)
            let probes = try probe.vectors(what: "embedding", dimension: db.space.dimension, photo: photoFaces)
            let answers = try db.identify(batch: probes, options: options)
            for (i, answer) in answers.enumerated() { try printIdentification(answer, probe: probes.count > 1 ? i + 1 : nil) }
        case let .verifyIdentity(probe, identity, fusion, threshold):
            let a = try single(probe, what: "embedding")
            try printVerification(try db.verify(a, identity: identity, fusion: fusion ?? settings.fusion, threshold: threshold ?? settings.threshold))
        case let .verifyPair(first, second, threshold):
            let a = try single(first, what: "first embedding")
            let b = try single(second, what: "second embedding")
            try printVerification(try db.verify(a, b, threshold: threshold ?? settings.threshold))
        case .show(let id):
            try show(id)
        case let .list(prefix, limit):
            try printIdentities(try db.identities(prefix: prefix, limit: limit ?? .max))
        case let .find(conditions, prefix, limit):
            try printIdentities(
                try db.identities(prefix: prefix, limit: limit ?? .max) { identity in
                    conditions.allSatisfy { $0.matches(identity) }
                })
        case let .addIdentity(id, name, metadata, galleries):
            try db.addIdentity(id, displayName: name, metadata: metadata ?? .emptyObject, galleries: galleries)
            try report(ShellResult.Change(action: "added", identity: id, faces: nil), text: "added identity '\(id)'")
        case let .addFaces(identity, .photo(path), metadata, _):
            try enroll(path, identity: identity, metadata: metadata)
        case let .addFaces(identity, embedding, metadata, create):
            let faces = try embedding.vectors(what: "embedding", dimension: db.space.dimension).map {
                NewFace(identity: identity, embedding: $0, metadata: metadata)
            }
            let ids = try db.addFaces(faces, createMissingIdentities: create)
            try report(
                ShellResult.Change(action: "added", identity: identity, faces: ids.map(\.rawValue)),
                text: "added \(ids.count) face\(ids.count == 1 ? "" : "s") to '\(identity)': \(ids.map(\.description).joined(separator: ", "))")
        case let .updateIdentity(id, name, metadata, galleries):
            try db.updateIdentity(id, displayName: name.map { .some($0) }, metadata: metadata, galleries: galleries)
            try report(ShellResult.Change(action: "updated", identity: id, faces: nil), text: "updated identity '\(id)'")
        case let .renameIdentity(id, newID):
            let faces = try db.renameIdentity(id, to: newID)
            try report(
                ShellResult.Change(action: "renamed", identity: newID, faces: faces.map(\.rawValue)),
                text: "renamed identity '\(id)' to '\(newID)' (\(faces.count) face\(faces.count == 1 ? "" : "s"))")
        case let .searchFace(face, k, galleries):
            let matches = try db.search(
                face: FaceID(face), k: k ?? settings.k, filter: SearchFilter(galleries: galleries.isEmpty ? nil : galleries))
            if json {
                try emitJSON(ShellResult.FaceMatches(face: face, matches: matches))
            } else {
                write(
                    matches.isEmpty
                        ? "no other face"
                        : ShellTable(
                            header: ["face", "identity", "score"],
                            rows: matches.map { ["\($0.faceID)", $0.identity, Output.score($0.score)] }
                        ).render())
            }
        case .removeIdentity(let id):
            let faces = try db.removeIdentity(id)
            try report(
                ShellResult.Change(action: "removed", identity: id, faces: faces.map(\.rawValue)),
                text: "removed identity '\(id)' and its \(faces.count) face\(faces.count == 1 ? "" : "s")")
        case .removeFaces(let ids):
            try db.removeFaces(ids.map { FaceID($0) })
            try report(
                ShellResult.Change(action: "removed", identity: nil, faces: ids),
                text: "removed face\(ids.count == 1 ? "" : "s") \(ids.map(String.init).joined(separator: ", "))")
        case .eraseIdentity(let id):
            let erased = try db.erase(identity: id)
            try report(
                ShellResult.Change(action: "erased", identity: id, faces: erased.faces.map(\.rawValue)),
                text: erased.alreadyRemoved.isEmpty
                    ? "erased identity '\(id)' and its \(erased.faces.count) face\(erased.faces.count == 1 ? "" : "s"): no file of the database holds them"
                    : "'\(id)' was not stored (removed before); purged every removed row from the database's files")
        case .eraseFaces(let ids):
            let erased = try db.erase(faces: ids.map { FaceID($0) })
            try report(
                ShellResult.Change(action: "erased", identity: nil, faces: erased.faces.map(\.rawValue)),
                text: "erased \(erased.faces.count) face\(erased.faces.count == 1 ? "" : "s")"
                    + (erased.alreadyRemoved.isEmpty ? "" : " (already removed, purged: \(erased.alreadyRemoved.joined(separator: ", ")))")
                    + ": no file of the database holds them")
        case .stats:
            try stats()
        case let .calibrate(fmr, fpir, seed, dryRun):
            try calibrate(fmr: fmr, fpir: fpir, seed: seed, dryRun: dryRun)
        case .showSettings:
            try printSettings()
        case let .set(name, value):
            try settings.set(name, to: value)
            try printSettings(only: name)
        case .help(let topic):
            try help(topic)
        case .quit:
            return .quit
        }
        return .next
    }

    // MARK: - Results

    private var json: Bool { settings.format == .json }

    private func emitJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        write(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// The embeddings of the faces in a photo, largest first (the face models load at the first photo).
    private func photoFaces(_ path: String) throws -> [[Float]] {
        let faces = try photoPipeline().analyze(photoAt: path).faces.map(\.embedding)
        guard !faces.isEmpty else {
            throw FaceDBError(.invalidArgument, "No face was found in \(path).", remedy: "Use a photo with a face of at least 40 px.", path: path)
        }
        return faces
    }

    private func photoPipeline() throws -> FacePipeline {
        if let pipeline { return pipeline }
        let loaded = PhotoOptions.adapted(try FacePipeline(), to: db.space)
        pipeline = loaded
        return loaded
    }

    /// `add face ID photo.jpg`: enrols the photo through the quality gate.
    private func enroll(_ path: String, identity: String, metadata: JSONValue?) throws {
        let outcome = try db.enroll(photosAt: [path], identity: identity, pipeline: try photoPipeline(), options: EnrollOptions(metadata: metadata))
            .outcomes[0]
        if outcome.alreadyEnrolled, let id = outcome.faceID {
            try report(
                ShellResult.Change(action: "skipped", identity: identity, faces: [id.rawValue]),
                text: "\(path) is already stored as face \(id) of '\(identity)'")
            return
        }
        guard let id = outcome.faceID else {
            throw FaceDBError(
                .invalidArgument, "\(path) was refused: \(outcome.issues.map(\.description).joined(separator: "; ")).",
                remedy: "Use another photo of \(identity).", path: path)
        }
        try report(
            ShellResult.Change(action: "added", identity: identity, faces: [id.rawValue]),
            text: "enrolled \(path) as face \(id) of '\(identity)'")
    }

    private func single(_ embedding: ShellEmbedding, what: String) throws -> [Float] {
        if case .photo = embedding { return try photoFaces(embedding.photoPath!)[0] }
        let vectors = try embedding.vectors(what: what, dimension: db.space.dimension)
        guard vectors.count == 1 else {
            throw FaceDBError(
                .invalidArgument, "The \(what) file holds \(vectors.count) embeddings; verify compares one.",
                remedy: "Give a file with one line, or the embedding inline.")
        }
        return vectors[0]
    }

    private func report(_ change: ShellResult.Change, text: String) throws {
        if json { try emitJSON(change) } else { write(text) }
    }

    private func printIdentification(_ answer: Identification, probe: Int?) throws {
        if json { try emitJSON(answer); return }
        let verdict: String
        if let t = answer.threshold {
            verdict =
                (answer.identity.map { "match → \($0)" } ?? answer.decision.rawValue)
                + "; threshold \(Output.score(t)) (\(answer.thresholdSource.rawValue))"
        } else {
            verdict = "undecided: no threshold known (run `calibrate`, or `set threshold T`)"
        }
        write((probe.map { "probe \($0): " } ?? "") + verdict)
        write(
            ShellTable(
                header: ["rank", "identity", "score", "decision", "best face"],
                rows: answer.matches.enumerated().map { r, m in
                    ["\(r + 1)", m.identity, Output.score(m.score), m.decision.rawValue, "\(m.bestFace)"]
                }
            ).render())
    }

    private func printVerification(_ result: Verification) throws {
        if json { try emitJSON(result); return }
        let verdict =
            switch result.decision {
            case .match: "same person"
            case .noThreshold: "undecided: no threshold known (run `calibrate`, or `set threshold T`)"
            default: "different people"
            }
        var lines = ["score \(Output.score(result.score)) → \(verdict)"]
        if let face = result.bestFace { lines.append("best face \(face)") }
        if let t = result.threshold { lines.append("threshold \(Output.score(t)) (\(result.thresholdSource.rawValue))") }
        if let fmr = result.estimatedFMRText { lines.append("estimated false-match rate of this score: \(fmr)") }
        write(lines.joined(separator: "\n"))
    }

    private func show(_ id: String) throws {
        guard let identity = try db.identity(id) else { throw FaceDBError.unknownIdentity(id) }
        let faces = try db.faces(of: id)
        if json {
            try emitJSON(ShellResult.IdentityDetail(identity: identity, faces: faces.map(ShellResult.FaceSummary.init)))
            return
        }
        write(
            ShellTable.pairs([
                ("id", identity.id),
                ("name", identity.displayName ?? "—"),
                ("galleries", identity.galleries.isEmpty ? "—" : identity.galleries.joined(separator: ", ")),
                ("metadata", identity.metadata.description),
                ("faces", "\(identity.faceCount)"),
                ("created", Self.date(identity.created)),
                ("updated", Self.date(identity.updated)),
            ]))
        guard !faces.isEmpty else { return }
        write(
            ShellTable(
                header: ["face", "created", "source", "metadata"],
                rows: faces.map { f in
                    ["\(f.id)", Self.date(f.created), f.source?.path ?? "", f.metadata.map(\.description) ?? ""]
                }
            ).render())
    }

    private func printIdentities(_ identities: [Identity]) throws {
        if json {
            try emitJSON(ShellResult.IdentityList(count: identities.count, identities: identities))
            return
        }
        if !identities.isEmpty {
            write(
                ShellTable(
                    header: ["id", "name", "faces", "galleries", "metadata"],
                    rows: identities.map { i in
                        [
                            i.id, i.displayName ?? "", "\(i.faceCount)", i.galleries.joined(separator: ","),
                            i.metadata == .emptyObject ? "" : i.metadata.description,
                        ]
                    }
                ).render())
        }
        write("(\(identities.count) identit\(identities.count == 1 ? "y" : "ies"))")
    }

    private func stats() throws {
        let stats = try db.stats()
        let point = try db.operatingPoint()
        let current = try db.verificationThreshold()
        let (threshold, source) = (current.threshold, current.source)
        let calibration = point.map(ShellResult.CalibrationSummary.init)
        if json {
            try emitJSON(ShellResult.Stats(database: stats, calibration: calibration, threshold: threshold, thresholdSource: source))
            return
        }
        var rows = stats.rows(detailed: false)
        if let point {
            rows.append(("calibrated", Self.date(point.date)))
            rows.append(
                (
                    "1:1 threshold",
                    "\(Output.score(point.verificationThreshold)) at FMR \(point.targetFMR) (measured \(point.measuredFMR)), FNMR \(String(format: "%.4f", point.fnmr))"
                ))
            if let t = point.identificationThreshold, let f = point.targetFPIR, let g = point.galleryIdentities {
                rows.append(("1:N threshold", "\(Output.score(t)) at FPIR \(f) for \(g) identities"))
            }
        } else {
            rows.append(
                (
                    "calibration",
                    "none (run `calibrate`); deciding with " + (threshold.map { "\(Output.score($0)) (\(source.rawValue))" } ?? "no threshold")
                ))
        }
        write(ShellTable.pairs(rows))
    }

    private func calibrate(fmr: Double?, fpir: Double?, seed: UInt64?, dryRun: Bool) throws {
        let defaults = CalibrationOptions()
        let options = CalibrationOptions(
            targetFMR: fmr ?? defaults.targetFMR, targetFPIR: fpir ?? defaults.targetFPIR,
            seed: seed ?? defaults.seed, store: !dryRun)
        let report = try db.calibrate(options)
        if json { try emitJSON(CalibrationSummary(report, stored: !dryRun)); return }
        let point = report.operatingPoint
        var lines = [
            "faces \(report.faces), identities \(report.identities); genuine pairs \(report.roc.genuineCount), impostor pairs \(report.roc.impostorCount)"
        ]
        lines.append(
            ShellTable(
                header: ["FMR", "threshold", "FNMR", "TAR"],
                rows: report.points.map {
                    [
                        String(format: "%.0e", $0.targetFMR ?? $0.fmr), Output.score($0.threshold), String(format: "%.4f", $0.fnmr),
                        String(format: "%.4f", 1 - $0.fnmr),
                    ]
                }
            ).render())
        lines.append(String(format: "EER %.4f at threshold %@", report.equalErrorRate.rate, Output.score(report.equalErrorRate.threshold)))
        guard let point else {
            lines.append(report.limitation ?? "no operating point")
            write(lines.joined(separator: "\n"))
            return
        }
        lines.append(
            "operating point (1:1): threshold \(Output.score(point.verificationThreshold)) at FMR \(point.targetFMR), FNMR \(String(format: "%.4f", point.fnmr))"
        )
        if let t = point.identificationThreshold, let f = point.targetFPIR {
            lines.append("operating point (1:N): threshold \(Output.score(t)) keeps FPIR ≤ \(f)")
        } else if let note = report.identificationNote {
            lines.append("1:N: \(note)")
        }
        lines.append(dryRun ? "not stored (dry-run)" : "stored; identify and verify use it")
        write(lines.joined(separator: "\n"))
    }

    /// Prints every setting, or only `name` (after `set NAME VALUE`).
    private func printSettings(only name: String? = nil) throws {
        let rows = settings.rows.filter { name == nil || $0.name == name }
        if json {
            try emitJSON(Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.value) }))
            return
        }
        write(ShellTable.pairs(rows.map { ($0.name, $0.value) }))
    }

    private func help(_ topic: String?) throws {
        let text: String
        if let topic {
            guard let first = table.canonical(topic) else {
                let near = table.suggestions(for: topic)
                throw FaceDBError(
                    .invalidArgument, "There is no command '\(topic)'.",
                    remedy: (near.isEmpty ? "" : "Did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))? ") + "Type `help` for the list.")
            }
            text = table.help(first)
        } else {
            text = table.overview()
        }
        if json { try emitJSON(["help": text]) } else { write(text) }
    }

    private static func date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: date)
    }
}
