import FaceDBCore

/// Splits a shell line into words, like a small POSIX shell with two additions for embeddings and
/// metadata.
///
/// - Words are separated by spaces or tabs.
/// - `"double quotes"` keep spaces; inside them `\"`, `\\`, `\n` and `\t` are escapes.
/// - `'single quotes'` keep everything literally.
/// - Outside quotes, a backslash makes the next character literal (`a\ b`).
/// - `[ … ]` and `{ … }` are kept whole, spaces and quotes included, so embeddings
///   (`[0.1, -0.2, 0.3]`) and JSON (`{"team": "blue"}`) need no quoting.
/// - Quoted and unquoted pieces written together form one word: `name="Ada L."` is `name=Ada L.`.
/// - `#` at the start of a word begins a comment that runs to the end of the line.
///
/// Text is UTF-8; offsets are in `Character`s of the line.
struct ShellTokenizer {
    /// One word of a line.
    struct Token: Equatable {
        /// The word with quotes and escapes removed.
        var text: String
        /// The offset of the word's first character in the line (its opening quote, if any).
        var start: Int
        /// The offset just past the word's last character in the line.
        var end: Int
    }

    /// The words of a line that is cut off at the cursor, for completion.
    struct Partial: Equatable {
        /// The complete words before the last one.
        var tokens: [Token]
        /// The word the cursor is in (empty text, starting at the cursor, after a space).
        var current: Token
        /// The quote the current word is still inside, if any.
        var openQuote: Character?
    }

    /// The words of `line`.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an unterminated quote or bracket.
    static func tokenize(_ line: String) throws -> [Token] {
        let scan = Scanner(Array(line)).run()
        if let quote = scan.openQuote {
            throw FaceDBError(
                .invalidArgument, "The quote \(quote) opened at column \(scan.openAt + 1) is not closed.",
                remedy: "Close it with \(quote), or escape it with a backslash.")
        }
        if let bracket = scan.openBracket {
            let closing = bracket == "[" ? "]" : "}"
            throw FaceDBError(
                .invalidArgument, "The \(bracket) opened at column \(scan.openAt + 1) is not closed.",
                remedy: "Close it with \(closing).")
        }
        var tokens = scan.tokens
        if let last = scan.current { tokens.append(last) }
        return tokens
    }

    /// The words of `line` up to `cursor`, never failing: an open quote or bracket leaves the last
    /// word open.
    static func partial(_ line: String, cursor: Int) -> Partial {
        let scan = Scanner(Array(Array(line).prefix(cursor))).run()
        let current = scan.current ?? Token(text: "", start: cursor, end: cursor)
        return Partial(tokens: scan.tokens, current: current, openQuote: scan.openQuote)
    }

    /// Writes `word` so that ``tokenize(_:)`` reads it back as one word: as is when it is plain,
    /// else in double quotes with `"` and `\` escaped. Every separator of ``tokenize(_:)`` (space,
    /// tab, CR, LF) makes a word need quotes (a word with a lone CR once read back as three words:
    /// found by `Tools/fuzz`, kept as `Fuzz/Corpus/shell/regression-quote-carriage-return`).
    static func quote(_ word: String) -> String {
        let special: Set<Character> = [" ", "\t", "\r", "\n", "\"", "'", "\\", "#", "[", "]", "{", "}"]
        guard word.isEmpty || word.contains(where: { special.contains($0) }) else { return word }
        var out = "\""
        for c in word {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    /// The state machine behind both entry points.
    private struct Scanner {
        let chars: [Character]
        var tokens: [Token] = []
        var current: Token?
        var openQuote: Character?
        var openBracket: Character?
        var openAt = 0

        init(_ chars: [Character]) { self.chars = chars }

        mutating func append(_ c: Character, at i: Int) {
            if current == nil { current = Token(text: "", start: i, end: i) }
            current!.text.append(c)
            current!.end = i + 1
        }

        mutating func startWord(at i: Int) {
            if current == nil { current = Token(text: "", start: i, end: i) }
        }

        mutating func endWord() {
            if let word = current { tokens.append(word) }
            current = nil
        }

        func run() -> Scanner {
            var s = self
            var i = 0
            while i < s.chars.count {
                let c = s.chars[i]
                if c == " " || c == "\t" || c == "\r" || c == "\n" {
                    s.endWord()
                    i += 1
                } else if c == "#" && s.current == nil {
                    return s  // a comment
                } else if c == "\"" || c == "'" {
                    s.startWord(at: i)
                    s.openQuote = c
                    s.openAt = i
                    i += 1
                    while i < s.chars.count {
                        let q = s.chars[i]
                        if q == c { s.openQuote = nil; break }
                        if c == "\"" && q == "\\" && i + 1 < s.chars.count {
                            let e = s.chars[i + 1]
                            let escaped: Character? =
                                switch e {
                                case "\"", "\\": e
                                case "n": "\n"
                                case "t": "\t"
                                default: nil
                                }
                            if let escaped {
                                s.append(escaped, at: i + 1)
                                i += 2
                                continue
                            }
                        }
                        s.append(q, at: i)
                        i += 1
                    }
                    if s.openQuote == nil { s.current!.end = i + 1 }
                    i += 1
                } else if c == "\\" {
                    if i + 1 < s.chars.count {
                        s.append(s.chars[i + 1], at: i + 1)
                        s.current!.start = min(s.current!.start, i)
                    } else {
                        s.append(c, at: i)
                    }
                    i += 2
                } else if c == "[" || c == "{" {
                    // A bracketed group: kept verbatim, JSON strings inside included.
                    s.openBracket = c
                    s.openAt = i
                    var depth = 0
                    var inString = false
                    while i < s.chars.count {
                        let b = s.chars[i]
                        s.append(b, at: i)
                        if inString {
                            if b == "\\" && i + 1 < s.chars.count {
                                i += 1
                                s.append(s.chars[i], at: i)
                            } else if b == "\"" {
                                inString = false
                            }
                        } else if b == "\"" {
                            inString = true
                        } else if b == "[" || b == "{" {
                            depth += 1
                        } else if b == "]" || b == "}" {
                            depth -= 1
                            if depth == 0 { s.openBracket = nil; break }
                        }
                        i += 1
                    }
                    if inString && s.openBracket != nil { s.openQuote = "\"" }
                    i += 1
                } else {
                    s.append(c, at: i)
                    i += 1
                }
            }
            return s
        }
    }
}
