import Foundation

/// Every command of `facedb shell`: its words, usage, summary and example, for the parser's error
/// messages, `help`, tab completion and suggestions for mistyped commands.
struct ShellCommandTable {
    /// What an argument position holds, so completion can offer the right words.
    enum Argument: Equatable {
        /// An identity id from the database.
        case identity
        /// An embedding or `@FILE`.
        case embedding
        /// An embedding, or an identity id.
        case embeddingOrIdentity
        /// A command name.
        case command
        /// One of these words.
        case choice([String])
        /// Free text.
        case text
    }

    /// One command.
    struct Entry: Equatable {
        /// The words that name it: `["identify"]`, `["add", "identity"]`.
        var words: [String]
        /// Other names of the first word (`exit` for `quit`).
        var aliases: [String] = []
        /// The synopsis.
        var usage: String
        /// One line on what it does.
        var summary: String
        /// More detail (may be empty).
        var details: String = ""
        /// Example lines.
        var examples: [String]
        /// The positional arguments after the words.
        var arguments: [Argument] = []
        /// The option keywords it accepts.
        var options: [String] = []

        /// The command's name: its words joined by a space.
        var name: String { words.joined(separator: " ") }
    }

    /// The commands in the order `help` lists them.
    let entries: [Entry]

    /// The table of `facedb shell`.
    static let standard = ShellCommandTable(entries: [
        Entry(
            words: ["identify"], usage: "identify EMBEDDING|@FILE|PHOTO [k N] [fusion best|mean:M] [threshold T] [margin M] [gallery G]...",
            summary: "Who is this? The top-k identities for an embedding (1:N).",
            details: """
                EMBEDDING is [0.1, -0.2, …] or 0.1,-0.2,… ; @FILE holds one embedding per line (one result per line);
                PHOTO is a .jpg or .png file: every face in it is identified, largest first.
                The options override the session's settings (see `set`) for this command only.
                """,
            examples: ["identify [0.12, -0.05, 0.33, 0.41] k 3", "identify @probes.txt gallery staff"],
            arguments: [.embedding], options: ["k", "fusion", "threshold", "margin", "gallery"]),
        Entry(
            words: ["verify"], usage: "verify EMBEDDING|PHOTO IDENTITY|EMBEDDING|PHOTO [fusion best|mean:M] [threshold T]",
            summary: "Is this the same person? An embedding against an identity or another embedding (1:1).",
            details:
                "The second argument is an embedding when written like one ([…], a comma list, @FILE or a .jpg/.png photo, whose largest face is used); otherwise an identity id.",
            examples: ["verify [0.12, -0.05, 0.33, 0.41] ada", "verify 0.1,0.2,0.3,0.4 0.1,0.2,0.3,0.5"],
            arguments: [.embedding, .embeddingOrIdentity], options: ["fusion", "threshold"]),
        Entry(
            words: ["show"], usage: "show IDENTITY",
            summary: "An identity's name, galleries, metadata and faces.",
            examples: ["show ada", "show \"Zoë Ångström\""], arguments: [.identity]),
        Entry(
            words: ["list"], aliases: ["ls"], usage: "list [PREFIX] [limit N]",
            summary: "Identities whose id starts with PREFIX (all without one), in id order.",
            examples: ["list", "list emp- limit 20"], arguments: [.identity], options: ["limit"]),
        Entry(
            words: ["find"], usage: "find KEY=VALUE|KEY!=VALUE|KEY~TEXT... [prefix P] [limit N]",
            summary: "Identities whose metadata match every condition.",
            details: """
                KEY is a metadata key (dots reach into nested objects: address.city), or @id, @name, @gallery.
                = compares exactly (numbers numerically; a list matches if any element does), != negates it,
                ~ tests for a case-insensitive substring. Quote values with spaces: @name="Ada Lovelace".
                """,
            examples: ["find team=blue", "find address.city~par floor!=3 limit 10", "find @gallery=staff"],
            arguments: [.text], options: ["prefix", "limit"]),
        Entry(
            words: ["add", "identity"], usage: "add identity ID [name NAME] [meta JSON] [gallery G]...",
            summary: "Add an identity.",
            details: "JSON is an object, e.g. {\"team\": \"blue\"}; braces keep it one word without quotes.",
            examples: ["add identity ada name \"Ada Lovelace\" meta {\"team\": \"blue\"} gallery staff"],
            arguments: [.text], options: ["name", "meta", "gallery"]),
        Entry(
            words: ["add", "face"], aliases: ["faces"], usage: "add face IDENTITY EMBEDDING|@FILE|PHOTO [meta JSON] [create]",
            summary: "Add faces (embeddings) to an identity; @FILE adds one face per line, in one atomic write.",
            details: """
                `create` creates the identity when it is not stored yet. A PHOTO (.jpg/.png) is enrolled like
                `facedb enroll`: one face, through the quality gate (size, confidence, sharpness, pose, and
                within the threshold of the identity's other faces); a refused photo is an error saying why.
                """,
            examples: ["add face ada [0.12, -0.05, 0.33, 0.41]", "add face bob @bob.txt create"],
            arguments: [.identity, .embedding], options: ["meta", "create"]),
        Entry(
            words: ["update", "identity"], usage: "update identity ID [name NAME] [meta JSON] [gallery G]...",
            summary: "Change an identity's display name, metadata or galleries (the galleries given replace its list).",
            examples: ["update identity ada name \"Ada King\"", "update identity ada meta {\"team\": \"red\"} gallery staff gallery vip"],
            arguments: [.identity], options: ["name", "meta", "gallery"]),
        Entry(
            words: ["rename", "identity"], usage: "rename identity ID NEW-ID",
            summary: "Give an identity another id, with its name, metadata, galleries and faces, in one atomic write.",
            examples: ["rename identity emp-17 ada"], arguments: [.identity, .text]),
        Entry(
            words: ["search", "face"], usage: "search face FACE-ID [k N] [gallery G]...",
            summary: "The stored faces closest to a stored face (the face itself left out), best first.",
            examples: ["search face 17", "search face 17 k 5 gallery staff"], arguments: [.text], options: ["k", "gallery"]),
        Entry(
            words: ["remove", "identity"], usage: "remove identity ID",
            summary: "Remove an identity and all its faces.",
            examples: ["remove identity ada"], arguments: [.identity]),
        Entry(
            words: ["remove", "face"], usage: "remove face FACE-ID...",
            summary: "Remove faces by id (as `show` lists them), in one atomic write.",
            examples: ["remove face 17", "remove face 17 18"], arguments: [.text]),
        Entry(
            words: ["erase", "identity"], usage: "erase identity ID",
            summary: """
                Remove an identity and its faces and purge them from every file of the database (its
                embeddings, metadata and provenance); slower than `remove`. An identity removed earlier is
                purged too (the whole store is rewritten).
                """,
            examples: ["erase identity ada"], arguments: [.identity]),
        Entry(
            words: ["erase", "face"], usage: "erase face FACE-ID...",
            summary: "Remove faces by id and purge them from every file of the database; ids removed earlier are purged too.",
            examples: ["erase face 17", "erase face 17 18"], arguments: [.text]),
        Entry(
            words: ["stats"], usage: "stats",
            summary: "Counts, embedding space, index kind and memory, size, and the calibration.",
            examples: ["stats"]),
        Entry(
            words: ["calibrate"], usage: "calibrate [fmr X] [fpir X] [seed N] [dry-run]",
            summary: "Measure genuine and impostor scores and store the operating point (see `facedb calibrate --help`).",
            examples: ["calibrate", "calibrate fmr 1e-4 dry-run"], options: ["fmr", "fpir", "seed", "dry-run"]),
        Entry(
            words: ["set"], usage: "set [NAME VALUE]",
            summary: "Show the settings, or change one: k, format table|json, threshold T|auto, fusion best|mean:M, margin M, continue on|off.",
            details: "`continue on` keeps a script running after a failed command.",
            examples: ["set", "set k 3", "set format json", "set threshold auto", "set continue on"],
            arguments: [.choice(ShellSettings.names), .text]),
        Entry(
            words: ["help"], aliases: ["?"], usage: "help [COMMAND]",
            summary: "List the commands, or show one command's usage and example.",
            examples: ["help", "help identify"], arguments: [.command]),
        Entry(
            words: ["quit"], aliases: ["exit"], usage: "quit",
            summary: "Leave the shell (Ctrl-D does too).", examples: ["quit"]),
    ])

    /// The distinct first words, in table order.
    var commandNames: [String] {
        var seen = Set<String>()
        return entries.map { $0.words[0] }.filter { seen.insert($0).inserted }
    }

    /// The first word `word` stands for (itself, or the command it is an alias of), or nil.
    func canonical(_ word: String) -> String? {
        let w = word.lowercased()
        if entries.contains(where: { $0.words[0] == w }) { return w }
        return entries.first(where: { $0.aliases.contains(w) && $0.words.count == 1 })?.words[0]
    }

    /// The entries whose first word is `first`.
    func entries(first: String) -> [Entry] { entries.filter { $0.words[0] == first } }

    /// The entry for `first` and, when it has sub-words, `second` (or an alias of it).
    func entry(first: String, second: String?) -> Entry? {
        let group = entries(first: first)
        if group.count == 1 && group[0].words.count == 1 { return group[0] }
        guard let second = second?.lowercased() else { return nil }
        return group.first { $0.words.count > 1 && ($0.words[1] == second || $0.aliases.contains(second)) }
    }

    /// The command names nearest to a mistyped `word`: those it is a prefix of, else those within a
    /// small edit distance, best first.
    func suggestions(for word: String) -> [String] {
        let w = word.lowercased()
        let names = commandNames + entries.filter { $0.words.count == 1 }.flatMap(\.aliases)
        let prefixed = commandNames.filter { $0.hasPrefix(w) }
        if !prefixed.isEmpty { return prefixed }
        let scored = names.map { (name: $0, distance: Self.editDistance(w, $0)) }
            .filter { $0.distance <= max(1, min(2, $0.name.count / 3)) }
        let best = scored.map(\.distance).min()
        return scored.filter { $0.distance == best }.map { canonical($0.name) ?? $0.name }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The Levenshtein distance, counting an adjacent transposition as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }

    /// The text of `help`: every command's usage and summary.
    func overview() -> String {
        var lines = ["Commands (`help COMMAND` for details and an example):"]
        let width = entries.map(\.name.count).max() ?? 0
        for e in entries {
            lines.append("  " + e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + e.summary)
        }
        lines.append("Words may be quoted (\"…\" or '…'); [ … ] and { … } are kept whole. # starts a comment.")
        return lines.joined(separator: "\n")
    }

    /// The text of `help COMMAND` for every entry with that first word.
    func help(_ first: String) -> String {
        entries(first: first).map { e in
            var lines = ["usage: \(e.usage)", "  \(e.summary)"]
            if !e.details.isEmpty { lines += e.details.split(separator: "\n").map { "  \($0)" } }
            if !e.aliases.isEmpty { lines.append("  also: \(e.aliases.joined(separator: ", "))") }
            lines.append("example:")
            lines += e.examples.map { "  \($0)" }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
