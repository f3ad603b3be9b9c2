import FaceDBCore
import FaceDBNeural
import Foundation

/// Photos in, faces with embeddings out: decode (with EXIF orientation) → detect (MMOD) → five
/// landmarks → aligned 150×150 chip → 128-D descriptor, each step as dlib does it. Usable on its
/// own (`facedb embed`) and by the database's photo methods.
///
/// ```swift
/// let pipeline = try FacePipeline()                       // models from Tools/fetch-models
/// let photo = try pipeline.analyze(photoAt: "team.jpg")
/// for face in photo.faces { print(face.detection.rectangle, face.embedding.count) }
/// ```
///
/// Thread-safe. ``analyze(photosAt:options:progress:)`` decodes and detects two photos at a time (one per
/// core) and embeds the chips in batches.
public final class FacePipeline: Sendable {
    /// Decoding, detection, landmarks and alignment.
    public let chips: FaceChipPipeline
    /// The face embedder.
    public let embedder: FaceEmbedder
    /// The model files this pipeline uses, by role (`detector`, `landmarks`, `embedder`), with their SHA-256.
    public let models: [PipelineModel]
    /// The image decoder (pixel limit, EXIF orientation).
    public var decoder: ImageDecoder { chips.decoder }
    /// The embedding space of this pipeline's descriptors: dlib's model and 128 dimensions, compared
    /// as dlib does (``EmbeddingSpace/dlibResNet``: Euclidean, unnormalized) unless the pipeline was
    /// made by ``comparing(by:normalize:)``. A database takes photos only from a pipeline whose
    /// space is its own.
    public let space: EmbeddingSpace

    /// Loads the three dlib models from `modelDirectory`, checking their SHA-256.
    /// - Throws: `.modelMissing` / `.modelCorrupt` naming the file, where it was looked for and `Tools/fetch-models`.
    public init(modelDirectory: ModelDirectory = ModelDirectory(), decoder: ImageDecoder = ImageDecoder()) throws {
        chips = FaceChipPipeline(
            detector: try FaceDetector(contentsOf: try modelDirectory.path(of: .faceDetector, verifyChecksum: true)),
            predictor: try ShapePredictor(contentsOf: try modelDirectory.path(of: .landmarks5, verifyChecksum: true)),
            decoder: decoder)
        embedder = try FaceEmbedder(modelDirectory: modelDirectory, verifyChecksum: true)
        space = .dlibResNet
        models = [("detector", ModelFile.faceDetector), ("landmarks", ModelFile.landmarks5), ("embedder", ModelFile.faceEmbedder)]
            .map { PipelineModel(role: $0.0, file: $0.1.fileName, sha256: $0.1.sha256) }
    }

    private init(
        chips: FaceChipPipeline, embedder: FaceEmbedder, models: [PipelineModel],
        space: EmbeddingSpace
    ) {
        self.chips = chips
        self.embedder = embedder
        self.models = models
        self.space = space
    }

    /// The same pipeline (sharing its loaded models) with descriptors meant to be compared by
    /// `metric`, e.g. for a database created as dlib's model, 128-D, `cosine`. The descriptors
    /// themselves are unchanged: the database normalizes them on insert when its space says so.
    public func comparing(by metric: Metric, normalize: Bool = false) -> FacePipeline {
        FacePipeline(
            chips: chips, embedder: embedder, models: models,
            space: EmbeddingSpace(model: space.model, dimension: space.dimension, metric: metric, normalize: normalize))
    }

    /// Finds, measures and embeds every face of the photo file at `path`.
    /// - Throws: `.io` when the file cannot be read, the decoder's errors for a corrupt, truncated
    ///   or oversized image.
    public func analyze(photoAt path: String, options: PipelineOptions = PipelineOptions()) throws -> PhotoAnalysis {
        try analyze(.file(path), options: options)
    }

    /// Finds, measures and embeds every face of a photo given as a file, bytes or a decoded image.
    /// - Throws: `.io` when a file cannot be read, the decoder's errors for corrupt, truncated or
    ///   oversized image bytes.
    public func analyze(_ photo: Photo, options: PipelineOptions = PipelineOptions()) throws -> PhotoAnalysis {
        try embed(try locate(photo, options: options), options: options)
    }

    /// Finds, measures and embeds every face of an image already in memory.
    public func analyze(image: RGBImage, options: PipelineOptions = PipelineOptions()) throws -> PhotoAnalysis {
        try embed(try locate(image, path: nil, sha256: "", options: options), options: options)
    }

    /// ``analyze(photoAt:options:)`` for many photo files: the batch form of ``analyze(_:options:)`` below.
    public func analyze(
        photosAt paths: [String], options: PipelineOptions = PipelineOptions(),
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> [Result<PhotoAnalysis, any Error>] {
        analyze(paths.map(Photo.file), options: options, progress: progress)
    }

    /// ``analyze(_:options:)`` for many photos: two are decoded and detected at a time, and the
    /// chips of all are embedded in batches. One result per photo, in order.
    public func analyze(
        _ photos: [Photo], options: PipelineOptions = PipelineOptions(),
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> [Result<PhotoAnalysis, any Error>] {
        let located = ConcurrentMap.map(photos, threads: 2) { photo in
            Result { try self.locate(photo, options: options) }
        }
        var results = [Result<PhotoAnalysis, any Error>?](repeating: nil, count: photos.count)
        // Embed in groups of photos so that each forward pass holds a full batch of chips.
        var pending: [(index: Int, photo: LocatedPhoto)] = []
        func flush() {
            do {
                let descriptors = try embedder.descriptors(for: pending.flatMap { $0.photo.chips })
                var at = 0
                for item in pending {
                    let n = item.photo.chips.count
                    results[item.index] = .success(assemble(item.photo, Array(descriptors[at..<(at + n)]), options: options))
                    at += n
                }
            } catch {
                for item in pending { results[item.index] = .failure(error) }
            }
            pending.removeAll()
        }
        for (i, result) in located.enumerated() {
            switch result {
            case .success(let photo):
                pending.append((i, photo))
                if pending.reduce(0, { $0 + $1.photo.chips.count }) >= embedder.maximumBatch { flush() }
            case .failure(let error):
                results[i] = .failure(error)
            }
            progress?(i + 1)
        }
        flush()
        return results.map { $0! }
    }

    // MARK: - Steps

    /// A photo with its faces found and aligned but not yet embedded.
    struct LocatedPhoto: Sendable {
        var path: String?
        var sha256: String
        var width: Int
        var height: Int
        var faces: [(detection: FaceDetection, landmarks: FaceLandmarks, quality: FaceQuality)]
        var chips: [RGBImage]
    }

    /// Decodes the photo and finds its faces. A photo's SHA-256 is that of its file's bytes, or of
    /// a decoded image's pixels (rows of R, G, B bytes).
    func locate(_ photo: Photo, options: PipelineOptions) throws -> LocatedPhoto {
        switch photo {
        case .file(let path):
            let bytes: [UInt8]
            do {
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw FaceDBError(
                    .io, "Cannot read the photo \(path): \(error.localizedDescription).",
                    remedy: "Check the path and its permissions.", path: path)
            }
            let sha = bytes.withUnsafeBytes { Checksum.sha256Hex(of: $0) }
            return try locate(try chips.decoder.decode(bytes, source: path), path: path, sha256: sha, options: options)
        case .bytes(let bytes, let name):
            let sha = bytes.withUnsafeBytes { Checksum.sha256Hex(of: $0) }
            return try locate(try chips.decoder.decode(bytes, source: name), path: nil, sha256: sha, options: options)
        case .image(let image, _):
            let sha = image.pixels.withUnsafeBytes { Checksum.sha256Hex(of: $0) }
            return try locate(image, path: nil, sha256: sha, options: options)
        }
    }

    func locate(_ image: RGBImage, path: String?, sha256: String, options: PipelineOptions) throws -> LocatedPhoto {
        let found =
            try options.upsample.map { try chips.faces(in: image, upsample: $0) }
            ?? chips.faces(in: image, minimumFaceSize: options.minimumFaceSize)
        var faces: [(detection: FaceDetection, landmarks: FaceLandmarks, quality: FaceQuality)] = []
        var images: [RGBImage] = []
        for face in found.sorted(by: { $0.detection.rectangle.area > $1.detection.rectangle.area }) {
            let pose = FaceQuality.pose(of: face.landmarks)
            let r = face.detection.rectangle
            let quality = FaceQuality(
                confidence: face.detection.confidence, faceSize: min(r.width, r.height),
                sharpness: FaceQuality.sharpness(of: face.chip), yaw: pose.yaw, roll: pose.roll)
            faces.append((face.detection, face.landmarks, quality))
            images.append(face.chip)
        }
        return LocatedPhoto(path: path, sha256: sha256, width: image.width, height: image.height, faces: faces, chips: images)
    }

    func embed(_ photo: LocatedPhoto, options: PipelineOptions) throws -> PhotoAnalysis {
        assemble(photo, try embedder.descriptors(for: photo.chips), options: options)
    }

    func assemble(_ photo: LocatedPhoto, _ descriptors: [[Float]], options: PipelineOptions) -> PhotoAnalysis {
        let faces = zip(photo.faces, zip(descriptors, photo.chips)).map { face, embedded in
            AnalyzedFace(
                detection: face.detection, landmarks: face.landmarks, quality: face.quality,
                embedding: embedded.0, chip: options.keepChips ? embedded.1 : nil)
        }
        return PhotoAnalysis(path: photo.path, sha256: photo.sha256, width: photo.width, height: photo.height, faces: faces)
    }
}
