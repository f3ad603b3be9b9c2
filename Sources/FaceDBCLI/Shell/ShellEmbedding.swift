import FaceDBCore
import Foundation

/// An embedding argument of a shell command: written inline (`[0.1, -0.2, …]` or `0.1,-0.2,…`),
/// read from a file (`@probes.txt`: one embedding per line, blank lines skipped), or a photo
/// (`visitor.jpg`: the faces the photo pipeline finds in it, largest first).
enum ShellEmbedding: Equatable {
    /// One embedding given on the line.
    case inline([Float])
    /// A file of embeddings, one per line.
    case file(String)
    /// A photo (`.jpg`, `.jpeg` or `.png`).
    case photo(String)

    /// Whether `word` names a photo by its extension.
    static func isPhoto(_ word: String) -> Bool {
        let lower = word.lowercased()
        return !word.hasPrefix("[") && !word.hasPrefix("@") && [".jpg", ".jpeg", ".png"].contains { lower.hasSuffix($0) }
    }

    /// Whether `word` is written like an embedding (a bracketed list, a comma list of numbers or
    /// `@FILE`) rather than an identity id.
    static func looksLikeEmbedding(_ word: String) -> Bool {
        if word.hasPrefix("[") || word.hasPrefix("@") || isPhoto(word) { return true }
        guard word.contains(",") else { return false }
        return word.split(separator: ",", omittingEmptySubsequences: false)
            .allSatisfy { Float($0.trimmingCharacters(in: .whitespaces)) != nil }
    }

    /// Parses an embedding argument; `what` names it in errors.
    static func parse(_ word: String, what: String) throws -> ShellEmbedding {
        if isPhoto(word) { return .photo(word) }
        if word.hasPrefix("@") {
            let path = String(word.dropFirst())
            guard !path.isEmpty else {
                throw FaceDBError(.invalidArgument, "The \(what) names no file after @.", remedy: "Write @PATH, e.g. @probes.txt.")
            }
            return .file(path)
        }
        if word.hasPrefix("[") && !word.hasSuffix("]") {
            throw FaceDBError(.invalidArgument, "The \(what) opens [ but does not close it.", remedy: "End the list with ].")
        }
        return .inline(try EmbeddingInput.parse(word, what: what))
    }

    /// The embeddings this argument stands for (reads the file; a photo's faces come from `photo`).
    /// With `dimension`, a vector of another length is refused, naming its line in the file.
    func vectors(what: String, dimension: Int? = nil, photo: ((String) throws -> [[Float]])? = nil) throws -> [[Float]] {
        func checked(_ v: [Float], _ name: String) throws -> [Float] {
            if let dimension, v.count != dimension { throw FaceDBError.dimensionMismatch(expected: dimension, given: v.count, what: name) }
            return v
        }
        switch self {
        case .photo(let path):
            guard let photo else {
                throw FaceDBError(.unsupported, "A photo cannot be used here.", remedy: "Give an embedding instead of \(path).")
            }
            return try photo(path)
        case .inline(let v):
            return [try checked(v, what)]
        case .file(let path):
            let lines = try BoundedLineReader.document(at: path).split(whereSeparator: \.isNewline)
                .map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            guard !lines.isEmpty else {
                throw FaceDBError(.invalidArgument, "\(path) holds no embeddings.", remedy: "Write one embedding per line.", path: path)
            }
            return try lines.enumerated().map { i, line in
                let name = "\(what) on line \(i + 1) of \(path)"
                return try checked(try EmbeddingInput.parse(line, what: name), name)
            }
        }
    }

    /// The photo's path, when this is a photo.
    var photoPath: String? {
        if case .photo(let path) = self { return path }
        return nil
    }
}
