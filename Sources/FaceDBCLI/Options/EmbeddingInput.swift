import ArgumentParser
import FaceDBCore
import Foundation

/// Embeddings given on the command line: inline (`--embedding "[0.1, 0.2, …]"`) or from a file
/// (`--embedding-file probes.txt`: one embedding per line, as a JSON array or numbers separated by
/// spaces or commas; `-` reads standard input).
struct EmbeddingInput: ParsableArguments {
    @Option(
        name: .customLong("embedding"), parsing: .unconditionalSingleValue,
        help: "An embedding: a JSON array or numbers separated by spaces or commas (may start with a minus sign).")
    var inline: [String] = []

    @Option(name: .customLong("embedding-file"), help: "A file with one embedding per line ('-' for standard input).")
    var file: String?

    /// Every embedding given, in order.
    func embeddings() throws -> [[Float]] {
        var lines = inline
        if let file {
            lines += try Self.lines(of: BoundedLineReader(path: file))
        }
        guard !lines.isEmpty else {
            throw FaceDBError(.invalidArgument, "No embedding was given.", remedy: "Pass --embedding \"[…]\" or --embedding-file FILE.")
        }
        return try lines.enumerated().map { try Self.parse($1, what: "embedding #\($0 + 1)") }
    }

    /// The non-blank lines of `reader`, within ``TextLimits``: a line of more than 1 MiB or input
    /// of more than 64 MiB (e.g. `/dev/zero`) is refused as soon as that much has been read.
    static func lines(of reader: BoundedLineReader) throws -> [String] {
        var lines: [String] = []
        while let line = try reader.readLine() {
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { lines.append(line) }
        }
        return lines
    }

    /// Parses `[0.1, 0.2]`, `0.1 0.2` or `0.1,0.2`.
    static func parse(_ text: String, what: String) throws -> [Float] {
        let trimmed = text.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let parts = trimmed.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" })
        var values: [Float] = []
        for (i, part) in parts.enumerated() {
            guard let v = Float(part) else {
                throw FaceDBError(
                    .invalidArgument, "The \(what) has a non-number '\(part)' at position \(i).",
                    remedy: "Give numbers only, e.g. [0.12, -0.5, …].")
            }
            values.append(v)
        }
        guard !values.isEmpty else {
            throw FaceDBError(.invalidArgument, "The \(what) is empty.", remedy: "Give the embedding's numbers.")
        }
        return values
    }
}
