import FaceDBCore

/// What the shell does with a line before it touches the database: tokenize, then parse. `package`
/// for the fuzz harness (`Fuzz/`), which feeds it arbitrary text.
package enum ShellLineParsing {
    /// The words of `line` (``ShellTokenizer/tokenize(_:)``).
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an unterminated quote or bracket.
    package static func words(_ line: String) throws -> [String] {
        try ShellTokenizer.tokenize(line).map(\.text)
    }

    /// Parses the words of a line as a command, as ``ShellSession`` does before running it.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` naming the problem.
    package static func parse(words: [String]) throws {
        _ = try ShellParser().parse(words)
    }

    /// The words of `line` up to `cursor`, as completion sees them (never fails).
    package static func partialWords(_ line: String, cursor: Int) -> [String] {
        let partial = ShellTokenizer.partial(line, cursor: cursor)
        return partial.tokens.map(\.text) + [partial.current.text]
    }

    /// `word` quoted so that it reads back as one word (``ShellTokenizer/quote(_:)``).
    package static func quote(_ word: String) -> String { ShellTokenizer.quote(word) }
}
