/// Tab completion for the shell: command names, sub-command words, option keywords, setting names
/// and values, and identity ids (looked up by prefix). Pure: the ids come from a function, so it is
/// tested without a database.
struct ShellCompleter {
    /// What Tab can do at the cursor.
    struct Completion: Equatable {
        /// The characters of the line the completion replaces (the word at the cursor).
        var range: Range<Int>
        /// The full words that may go there, sorted, without quoting.
        var candidates: [String]
        /// The text to put in `range`: the only candidate (quoted if needed, then a space), or the
        /// longest prefix all candidates share; nil when that adds nothing.
        var replacement: String?
    }

    /// The commands.
    var table = ShellCommandTable.standard
    /// The identity ids starting with a prefix (the database's, at most a few hundred).
    var identities: (String) -> [String]

    /// The completion for `line` with the cursor at `cursor` (in characters).
    func complete(_ line: String, cursor: Int) -> Completion {
        let partial = ShellTokenizer.partial(line, cursor: cursor)
        let words = partial.tokens.map(\.text)
        let typed = partial.current.text
        let range = partial.current.start..<cursor
        let candidates = Array(Set(self.candidates(before: words, typed: typed).filter { $0.hasPrefix(typed) })).sorted()
        return Completion(
            range: range, candidates: candidates,
            replacement: Self.replacement(candidates, typed: typed, openQuote: partial.openQuote, rawLength: range.count))
    }

    /// The words that fit the position after `words`.
    private func candidates(before words: [String], typed: String) -> [String] {
        guard let head = words.first else { return table.commandNames }
        guard let first = table.canonical(head) else { return [] }
        let group = table.entries(first: first)
        var rest = Array(words.dropFirst())
        let entry: ShellCommandTable.Entry
        if group.count == 1 && group[0].words.count == 1 {
            entry = group[0]
        } else {
            guard let second = rest.first else { return group.map { $0.words[1] } }
            guard let found = table.entry(first: first, second: second) else { return [] }
            entry = found
            rest.removeFirst()
        }
        if entry.name == "set" {
            if rest.isEmpty { return ShellSettings.names }
            return rest.count == 1 ? ShellSettings.suggestedValues(for: rest[0].lowercased()) : []
        }
        // After an option keyword comes its value: identities for nothing, galleries are free text.
        if let last = rest.last, entry.options.contains(last.lowercased()), !["create", "dry-run"].contains(last.lowercased()) {
            return last.lowercased() == "fusion" ? ["best", "mean:2", "mean:3"] : []
        }
        let position = rest.count
        if position < entry.arguments.count {
            switch entry.arguments[position] {
            case .identity, .embeddingOrIdentity: return typed.hasPrefix("[") || typed.hasPrefix("@") ? [] : identities(typed)
            case .command: return table.commandNames
            case .choice(let words): return words
            case .embedding, .text: return []
            }
        }
        let used = Set(rest.map { $0.lowercased() })
        return entry.options.filter { $0 == "gallery" || !used.contains($0) }
    }

    private static func replacement(_ candidates: [String], typed: String, openQuote: Character?, rawLength: Int) -> String? {
        guard let first = candidates.first else { return nil }
        if candidates.count == 1 {
            let quoted = ShellTokenizer.quote(first)
            return quoted + " "
        }
        var common = first
        for c in candidates.dropFirst() {
            common = String(zip(common, c).prefix { $0 == $1 }.map(\.0))
        }
        guard common.count > typed.count else { return nil }
        if let openQuote { return String(openQuote) + common }
        let quoted = ShellTokenizer.quote(common)
        // An unfinished quoted prefix stays open so that typing continues inside it.
        return quoted.hasPrefix("\"") ? String(quoted.dropLast()) : quoted
    }
}
