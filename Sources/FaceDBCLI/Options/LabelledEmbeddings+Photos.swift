import FaceDBCalibration
import FaceDBCore
import FaceDBPhotos
import Foundation

extension LabelledEmbeddings {
    /// Labelled pairs of photos embedded through the photo pipeline (the largest face of each): an
    /// LFW-style pairs.txt resolved in `images` (`images/name/name_0001.jpg`), or a CSV whose a and
    /// b columns are photo paths (relative ones resolved in `images`).
    ///
    /// A photo without a face cannot match anything: its pairs are scored as far apart as possible
    /// (a same pair then counts as a false non-match), and `unusable` lists such photos.
    static func load(
        pairs path: String, images: String, pipeline: FacePipeline, options: PipelineOptions,
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> (pairs: [LabelledEmbeddings], photos: Int, unusable: [String]) {
        let text = try BoundedLineReader.document(at: path)
        func resolve(_ side: PairSide) throws -> String {
            switch side {
            case .path(let p): return p.hasPrefix("/") ? p : images + "/" + p
            case .embedding:
                throw FaceDBError(
                    .invalidArgument, "\(path) mixes embeddings and photos.",
                    remedy: "Give photo paths in both columns with --images, or embeddings without it.", path: path)
            }
        }
        let labelled: [(a: String, b: String, same: Bool, fold: Int?)]
        if path.hasSuffix(".csv") {
            labelled = try PairsFile.csv(text).map { (try resolve($0.a), try resolve($0.b), $0.same, nil) }
        } else {
            labelled = try PairsFile.lfw(text).map { ($0.a.path(in: images), $0.b.path(in: images), $0.same, $0.fold) }
        }
        let photos = Array(Set(labelled.flatMap { [$0.a, $0.b] })).sorted()
        var embeddings: [String: [Float]] = [:]
        var unusable: [String] = []
        for (photo, result) in zip(photos, pipeline.analyze(photosAt: photos, options: options, progress: progress)) {
            switch result {
            case .success(let analysis):
                if let face = analysis.largestFace { embeddings[photo] = face.embedding } else { unusable.append(photo) }
            case .failure:
                unusable.append(photo)
            }
        }
        // Far beyond any real distance between dlib descriptors (at most 2 for unit-ish vectors).
        let dimension = EmbeddingSpace.dlibResNet.dimension
        let nowhere = [Float](repeating: 1_000, count: dimension)
        let zero = [Float](repeating: 0, count: dimension)
        let pairs = labelled.map { p in
            guard let a = embeddings[p.a], let b = embeddings[p.b] else {
                return LabelledEmbeddings(a: zero, b: nowhere, same: p.same, fold: p.fold)
            }
            return LabelledEmbeddings(a: a, b: b, same: p.same, fold: p.fold)
        }
        return (pairs, photos.count, unusable)
    }
}
