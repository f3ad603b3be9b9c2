import FaceDB
import FaceDBCalibration
import FaceDBCore
import Foundation

/// Labelled embedding pairs read from files, for `calibrate --pairs` and `evaluate`.
struct LabelledEmbeddings {
    var a: [Float]
    var b: [Float]
    var same: Bool
    var fold: Int?

    /// A CSV `a,b,same` of embeddings, or an LFW-style pairs.txt resolved through a JSON Lines file of
    /// `{"image": "name/name_0001.jpg", "embedding": [...]}`.
    static func load(pairs path: String, embeddings: String?) throws -> [LabelledEmbeddings] {
        let text = try readText(path)
        if path.hasSuffix(".csv") {
            return try PairsFile.csv(text).enumerated().map { i, pair in
                guard case .embedding(let a) = pair.a, case .embedding(let b) = pair.b else {
                    throw FaceDBError(
                        .unsupported, "Pair #\(i + 1) of \(path) names images; comparing photos needs the face pipeline, which is not built yet.",
                        remedy: "Give embeddings in the a and b columns (a JSON array or numbers separated by spaces).", path: path)
                }
                return LabelledEmbeddings(a: a, b: b, same: pair.same, fold: nil)
            }
        }
        guard let embeddings else {
            throw FaceDBError(
                .invalidArgument, "\(path) names images by person and number; their embeddings are needed.",
                remedy: "Pass --embeddings FILE.jsonl with {\"image\": \"name/name_0001.jpg\", \"embedding\": [...]} lines.", path: path)
        }
        let table = try readEmbeddingTable(embeddings)
        return try PairsFile.lfw(text).map { pair in
            func vector(_ ref: ImageRef) throws -> [Float] {
                let key = ref.path(in: "")
                let trimmed = key.hasPrefix("/") ? String(key.dropFirst()) : key
                guard let v = table[trimmed] else {
                    throw FaceDBError(
                        .invalidArgument, "No embedding for image \(trimmed) in \(embeddings).",
                        remedy: "Embed every image the pairs file names.", path: embeddings)
                }
                return v
            }
            return LabelledEmbeddings(a: try vector(pair.a), b: try vector(pair.b), same: pair.same, fold: pair.fold)
        }
    }

    /// Pairs without folds, for calibration.
    static func read(_ path: String) throws -> [EmbeddingPair] {
        try load(pairs: path, embeddings: nil).map { EmbeddingPair($0.a, $0.b, same: $0.same) }
    }

    private static func readText(_ path: String) throws -> String {
        // Bounded: a pairs file of more than 64 MiB, or a line of more than 1 MiB, is refused as it is read.
        try BoundedLineReader.document(at: path)
    }

    private struct Row: Decodable {
        var image: String
        var embedding: [Float]
    }

    private static func readEmbeddingTable(_ path: String) throws -> [String: [Float]] {
        var table: [String: [Float]] = [:]
        for (i, line) in try readText(path).split(whereSeparator: \.isNewline).enumerated() {
            do {
                let row = try JSONDecoder().decode(Row.self, from: Data(line.utf8))
                table[row.image] = row.embedding
            } catch {
                throw FaceDBError(
                    .invalidArgument, "Line \(i + 1) of \(path) is not {\"image\": ..., \"embedding\": [...]}.",
                    remedy: "Fix the line; each must be one JSON object.", path: path, cause: "\(error)")
            }
        }
        return table
    }
}
