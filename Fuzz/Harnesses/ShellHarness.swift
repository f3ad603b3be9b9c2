import FaceDBCLI
import FaceDBCore

/// The query shell's tokenizer and parser on every line of the input, as a script piped into
/// `facedb shell` is read; completion's partial tokenizing at a cursor taken from the input; and
/// the quoting round trip (`quote` then `tokenize`) of every word.
enum ShellHarness {
    static func parse(_ input: [UInt8]) throws {
        let text = String(decoding: input, as: UTF8.self)
        let cursor = input.first.map { Int($0) } ?? 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(line)
            _ = ShellLineParsing.partialWords(line, cursor: min(cursor, line.count))
            let words: [String]
            do {
                words = try ShellLineParsing.words(line)
            } catch is FaceDBError {
                continue  // an error for that line; a session goes on with the next
            }
            for word in words {
                let quoted = ShellLineParsing.quote(word)
                let back = try ShellLineParsing.words(quoted)
                precondition(back == [word], "quote(\(word.debugDescription)) = \(quoted.debugDescription) reads back as \(back)")
            }
            if !words.isEmpty {
                do { try ShellLineParsing.parse(words: words) } catch is FaceDBError {}
            }
        }
    }
}
