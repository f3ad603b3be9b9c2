import FaceDBCore
import FaceDBNeural
import FaceDBStorage
import Foundation

extension FaceDatabase {
    /// Enrolls photos of one person: finds the face in each, checks its quality (and that it looks
    /// like the faces already enrolled for `identity`), and stores the accepted ones — with their
    /// box, landmarks, quality and the photo's path and SHA-256 — in one atomic write. The identity
    /// is created if needed. Refused photos are reported with their reasons, never thrown.
    ///
    /// The identity check compares each face with the identity's faces (those stored and those
    /// accepted earlier in the call): the most similar of them for the database's metric must pass
    /// the 1:1 threshold (``verificationThreshold()``), or the photo is refused as
    /// ``QualityIssue/Kind/identityMismatch``.
    ///
    /// - Throws: `.modelMismatch` when the database's embeddings came from other models, or its
    ///   space is not the pipeline's (``FacePipeline/space``); storage errors.
    public func enroll(
        photosAt paths: [String], identity: String, pipeline: FacePipeline, options: EnrollOptions = EnrollOptions(),
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> Enrollment {
        try enroll(paths.map(Photo.file), identity: identity, pipeline: pipeline, options: options, progress: progress)
    }

    /// ``enroll(photosAt:identity:pipeline:options:progress:)`` for photos given as files, bytes or
    /// decoded images. Each outcome is named by ``Photo/name``; only a file's path is stored in a
    /// face's provenance (with the SHA-256 of the bytes, or of a decoded image's pixels).
    ///
    /// Photos are analyzed in groups of ``enrolmentGroup``; an async call's cancellation is seen
    /// between groups, before anything is written. The accepted faces, the identity when it is
    /// new, and the pipeline's models when none are recorded yet, are stored in one atomic write.
    public func enroll(
        _ photos: [Photo], identity: String, pipeline: FacePipeline, options: EnrollOptions = EnrollOptions(),
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> Enrollment {
        try checkOpen()
        try checkWritable()
        try Identity.validate(id: identity)
        try checkPipeline(pipeline)
        var pipelineOptions = options.pipeline
        pipelineOptions.keepChips = options.storeChips
        var analyses: [Result<PhotoAnalysis, any Error>] = []
        for start in stride(from: 0, to: photos.count, by: Self.enrolmentGroup) {
            try CancellationFlag.checkpoint()
            let group = Array(photos[start..<min(start + Self.enrolmentGroup, photos.count)])
            analyses += pipeline.analyze(group, options: pipelineOptions, progress: progress.map { report in { @Sendable in report(start + $0) } })
        }
        try CancellationFlag.checkpoint()
        let gate = QualityGate(options.quality)
        let threshold = try verificationThreshold().threshold
        let stored: [Face] = try self.identity(identity) == nil ? [] : faces(of: identity)
        // Photos already stored for the identity, by SHA-256: skipped, or replaced with --replace.
        var storedByPhoto: [String: [FaceID]] = [:]
        for face in stored { if let sha = face.source?.imageSHA256 { storedByPhoto[sha, default: []].append(face.id) } }
        // A face about to be replaced is no reference for the photos of this call.
        let incoming = Set(analyses.compactMap { try? $0.get().sha256 })
        var references = stored.filter { !(options.replace && incoming.contains($0.source?.imageSHA256 ?? "")) }.map(\.embedding)
        var outcomes: [Enrollment.Outcome] = []
        var accepted: [(index: Int, face: NewFace)] = []
        var firstOfPhoto: [String: Int] = [:]
        var copies: [(index: Int, of: Int)] = []
        var surplus: [FaceID] = []
        for (photoInput, result) in zip(photos, analyses) {
            let name = photoInput.name
            var outcome = Enrollment.Outcome(path: name, faceID: nil, issues: [], quality: nil)
            defer { outcomes.append(outcome) }
            let photo: PhotoAnalysis
            switch result {
            case .failure(let error):
                let message = (error as? FaceDBError)?.message ?? "\(error)"
                outcome.issues = [QualityIssue(.unreadable, message)]
                continue
            case .success(let analysis):
                photo = analysis
            }
            let old = storedByPhoto[photo.sha256] ?? []
            if !old.isEmpty && !options.replace {
                outcome.faceID = old[0]
                outcome.alreadyEnrolled = true
                continue
            }
            if let first = firstOfPhoto[photo.sha256] {
                // The same bytes again in this call (a copy under another name).
                outcome.alreadyEnrolled = true
                copies.append((outcomes.count, first))
                continue
            }
            guard let face = photo.largestFace else {
                outcome.issues = [QualityIssue(.noFace, "no face was found (looking for faces of \(options.pipeline.minimumFaceSize) px or more)")]
                continue
            }
            outcome.quality = face.quality
            if photo.faces.count > 1 && !options.pickLargestFace {
                outcome.issues = [
                    QualityIssue(
                        .severalFaces, measured: Double(photo.faces.count), threshold: 1,
                        "\(photo.faces.count) faces were found where one was expected (enroll the largest with --largest)")
                ]
                continue
            }
            outcome.issues = gate.issues(face.quality)
            // Compared as stored: the references are stored vectors, so the face is prepared like them.
            let embedding = try space.prepare(face.embedding, what: "face embedding of \(name)")
            if outcome.issues.isEmpty, options.checkIdentityMatch, let threshold,
                let closest = space.metric.best(of: references.lazy.map { self.space.score($0, embedding) }),
                !space.metric.passes(closest, threshold: threshold)
            {
                outcome.issues = [
                    QualityIssue(
                        .identityMismatch, measured: Double(closest), threshold: Double(threshold),
                        identityMismatchMessage(closest, threshold, identity))
                ]
            }
            if outcome.issues.isEmpty, !options.allowDuplicatePerson, let threshold,
                let other = try closestOtherIdentity(to: embedding, than: identity, ownFaces: stored.count),
                space.metric.passes(other.score, threshold: threshold)
            {
                outcome.issues = [
                    QualityIssue(
                        .duplicatePerson, measured: Double(other.score), threshold: Double(threshold),
                        duplicatePersonMessage(other, threshold))
                ]
            }
            guard outcome.issues.isEmpty else { continue }
            references.append(embedding)
            firstOfPhoto[photo.sha256] = outcomes.count
            if !old.isEmpty {
                outcome.replaced = true
                surplus += old.dropFirst()
            }
            accepted.append(
                (
                    outcomes.count,
                    NewFace(
                        identity: identity, embedding: face.embedding, id: old.first, source: source(of: face, in: photo),
                        metadata: options.metadata)
                ))
        }
        if !accepted.isEmpty {
            let added = try addFacesReporting(
                accepted.map(\.face), createMissingIdentities: true, existing: options.replace ? .replace : .fail,
                pipelineModels: try Self.modelsDocument(pipeline))
            for (item, id) in zip(accepted, added.ids) { outcomes[item.index].faceID = id }
            if !surplus.isEmpty { try removeFaces(surplus) }
        }
        for copy in copies { outcomes[copy.index].faceID = outcomes[copy.of].faceID }
        for outcome in outcomes where !outcome.alreadyEnrolled { metrics.enrolled(refusedFor: outcome.issues.map(\.kind.rawValue)) }
        return Enrollment(identity: identity, outcomes: outcomes)
    }

    /// Photos analyzed at a time by an enrolment: enough for full batches of the embedder, few
    /// enough that a cancelled async enrolment stops within seconds.
    public static let enrolmentGroup = 32

    /// Finds every face in the photo and identifies each (see ``identify(batch:options:)``).
    /// - Throws: the pipeline's errors for an unreadable photo; `.modelMismatch`.
    public func identify(
        photoAt path: String, pipeline: FacePipeline, options: IdentificationOptions = IdentificationOptions(),
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> PhotoIdentification {
        try identify(.file(path), pipeline: pipeline, options: options, pipelineOptions: pipelineOptions)
    }

    /// ``identify(photoAt:pipeline:options:pipelineOptions:)`` for a photo given as a file, bytes or a decoded image.
    public func identify(
        _ photo: Photo, pipeline: FacePipeline, options: IdentificationOptions = IdentificationOptions(),
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> PhotoIdentification {
        try checkOpen()
        try checkPipeline(pipeline)
        let analysis = try pipeline.analyze(photo, options: pipelineOptions)
        let answers = analysis.faces.isEmpty ? [] : try identify(batch: analysis.faces.map(\.embedding), options: options)
        return PhotoIdentification(
            path: photo.path, width: analysis.width, height: analysis.height, sha256: analysis.sha256,
            faces: zip(analysis.faces, answers).map { PhotoIdentification.Face(face: $0, identification: $1) })
    }

    /// 1:1: is the (largest) face of the photo `identity`?
    /// - Throws: `.invalidArgument` when the photo has no face; `.unknownIdentity`.
    public func verify(
        photoAt path: String, identity: String, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> Verification {
        try verify(.file(path), identity: identity, pipeline: pipeline, pipelineOptions: pipelineOptions)
    }

    /// ``verify(photoAt:identity:pipeline:pipelineOptions:)`` for a photo given as a file, bytes or a decoded image.
    public func verify(
        _ photo: Photo, identity: String, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> Verification {
        try checkPipeline(pipeline)
        return try verify(try largestFace(photo, pipeline, pipelineOptions).embedding, identity: identity)
    }

    /// 1:1: are the (largest) faces of two photos the same person?
    /// - Throws: `.invalidArgument` when a photo has no face.
    public func verify(
        photoAt a: String, photoAt b: String, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> Verification {
        try verify(.file(a), .file(b), pipeline: pipeline, pipelineOptions: pipelineOptions)
    }

    /// ``verify(photoAt:photoAt:pipeline:pipelineOptions:)`` for photos given as files, bytes or decoded images.
    public func verify(
        _ a: Photo, _ b: Photo, pipeline: FacePipeline,
        pipelineOptions: PipelineOptions = PipelineOptions()
    ) throws -> Verification {
        try checkPipeline(pipeline)
        return try verify(
            try largestFace(a, pipeline, pipelineOptions).embedding,
            try largestFace(b, pipeline, pipelineOptions).embedding)
    }

    // MARK: - Models

    /// The pipeline's models as stored in meta `pipeline_models`.
    private static func document(_ pipeline: FacePipeline) -> [PipelineModel] { pipeline.models }

    /// Why a face is refused by the identity check, in the metric's words.
    /// The face of another identity closest to `embedding` (prepared), searching past the
    /// identity's own `ownFaces` faces; nil when there is none.
    private func closestOtherIdentity(to embedding: [Float], than identity: String, ownFaces: Int) throws -> FaceMatch? {
        guard faceCount > 0 else { return nil }
        let hits = try searchIndex(batch: [embedding], k: min(faceCount, ownFaces + 1), filter: .none)[0]
        return hits.first { $0.identity != identity }
    }

    private func duplicatePersonMessage(_ other: FaceMatch, _ threshold: Float) -> String {
        space.metric.higherIsBetter
            ? String(
                format: "looks like '%@' (face %@), %@ %.3f where the same person scores %.3f or more (enroll anyway with --allow-duplicate-person)",
                other.identity, other.faceID.description, space.metric.rawValue, other.score, threshold)
            : String(
                format: "looks like '%@' (face %@), distance %.3f where the same person is within %.3f (enroll anyway with --allow-duplicate-person)",
                other.identity, other.faceID.description, other.score, threshold)
    }

    private func identityMismatchMessage(_ closest: Float, _ threshold: Float, _ identity: String) -> String {
        space.metric.higherIsBetter
            ? String(
                format: "the face scores %.3f (%@) against the most similar face of '%@'; the same person scores %.3f or more",
                closest, space.metric.rawValue, identity, threshold)
            : String(format: "the face is %.3f from the closest face of '%@'; the same person is within %.3f", closest, identity, threshold)
    }

    /// Refuses a pipeline whose embedding space (model, dimension, metric, normalization) or model
    /// files differ from those of the stored embeddings.
    func checkPipeline(_ pipeline: FacePipeline) throws {
        let theirs = pipeline.space
        guard theirs == space else {
            func describe(_ s: EmbeddingSpace) -> String {
                "'\(s.model)', \(s.dimension)-D, \(s.metric.rawValue)\(s.normalize ? ", normalized" : "")"
            }
            var differences: [String] = []
            if theirs.model != space.model { differences.append("model '\(space.model)' ≠ '\(theirs.model)'") }
            if theirs.dimension != space.dimension { differences.append("dimension \(space.dimension) ≠ \(theirs.dimension)") }
            if theirs.metric != space.metric { differences.append("metric \(space.metric.rawValue) ≠ \(theirs.metric.rawValue)") }
            if theirs.normalize != space.normalize { differences.append("normalize \(space.normalize) ≠ \(theirs.normalize)") }
            let sameModel = theirs.model == space.model && theirs.dimension == space.dimension
            throw FaceDBError(
                .modelMismatch,
                "The database stores embeddings of \(describe(space)); the photo pipeline makes \(describe(theirs)) "
                    + "(\(differences.joined(separator: "; "))).",
                remedy: sameModel
                    ? "Compare the pipeline's descriptors as the database does: pipeline.comparing(by: .\(space.metric), normalize: \(space.normalize))."
                    : "Enroll photos into a database created with --model \(theirs.model) --dim \(theirs.dimension) --metric \(theirs.metric.rawValue).",
                path: path)
        }
        guard let stored = try recordedPipelineModels() else { return }
        let models = try JSONDecoder().decode([PipelineModel].self, from: Data(stored))
        let mine = Self.document(pipeline)
        guard models == mine else {
            let describe = { (m: [PipelineModel]) in m.map { "\($0.file) (\($0.sha256.prefix(12)))" }.joined(separator: ", ") }
            throw FaceDBError(
                .modelMismatch,
                "The database's embeddings were made by \(describe(models)); this pipeline uses \(describe(mine)).",
                remedy: "Use the same model files (Tools/fetch-models), or enroll into a new database.")
        }
    }

    /// The pipeline's models as the JSON document stored in meta `pipeline_models`.
    private static func modelsDocument(_ pipeline: FacePipeline) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(document(pipeline)))
    }

    private func largestFace(_ photo: Photo, _ pipeline: FacePipeline, _ options: PipelineOptions) throws -> AnalyzedFace {
        guard let face = try pipeline.analyze(photo, options: options).largestFace else {
            throw FaceDBError(
                .invalidArgument, "No face was found in \(photo.name).",
                remedy: "Use a photo with a face of at least \(options.minimumFaceSize) px, or lower the minimum face size.",
                path: photo.path)
        }
        return face
    }

    /// What is stored with an enrolled face: where it came from and how good it was.
    private func source(of face: AnalyzedFace, in photo: PhotoAnalysis) -> FaceSource {
        let r = face.detection.rectangle
        let q = face.quality
        var source = FaceSource(
            path: photo.path, imageSHA256: photo.sha256,
            box: [Double(r.left), Double(r.top), Double(r.right), Double(r.bottom)],
            landmarks: face.landmarks.points.map { Point(x: Double($0.x), y: Double($0.y)) },
            quality: [
                "confidence": q.confidence, "face_size": Double(q.faceSize), "sharpness": q.sharpness,
                "yaw": q.yaw, "roll": q.roll,
            ])
        if let chip = face.chip, let png = try? PNGEncoder.encode(chip) { source.chipPNG = Data(png).base64EncodedString() }
        return source
    }
}
