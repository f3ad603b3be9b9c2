import FaceDB
import FaceDBCore

/// Turns the words of a line into a ``ShellRequest`` (no database needed, so it is tested alone).
///
/// Every command is its words, then positional arguments, then `keyword value` options in any
/// order (`identify [0.1, 0.2] k 3 fusion mean:2`). Command names and keywords are case-insensitive;
/// ids and values are not.
struct ShellParser {
    /// The commands known.
    var table = ShellCommandTable.standard

    /// Parses the words of one line (not empty).
    /// - Throws: ``FaceDBError/Code/invalidArgument`` naming the problem and showing the usage.
    func parse(_ words: [String]) throws -> ShellRequest {
        guard let head = words.first else { throw FaceDBError(.invalidArgument, "The line is empty.", remedy: "Type a command.") }
        guard let first = table.canonical(head) else {
            let near = table.suggestions(for: head)
            let hint = near.isEmpty ? "" : "Did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))? "
            throw FaceDBError(.invalidArgument, "Unknown command '\(head)'.", remedy: hint + "Type `help` for the list of commands.")
        }
        guard let entry = table.entry(first: first, second: words.count > 1 ? words[1] : nil) else {
            let group = table.entries(first: first)
            let subs = group.map { $0.words[1] }
            let what = words.count > 1 ? "'\(first) \(words[1])' is not a command" : "'\(first)' needs one more word"
            throw FaceDBError(
                .invalidArgument, "\(what): \(subs.map { "\(first) \($0)" }.joined(separator: " or ")).",
                remedy: "Usage: " + group.map(\.usage).joined(separator: " | "))
        }
        var args = Arguments(words: Array(words.dropFirst(entry.words.count)), entry: entry)
        switch entry.name {
        case "identify":
            let probe = try ShellEmbedding.parse(try args.positional("an embedding"), what: "embedding")
            let o = try args.options()
            return .identify(
                probe, k: try o.int("k", minimum: 1), fusion: try o.fusion(), threshold: try o.float("threshold"),
                margin: try o.float("margin"), galleries: o.all("gallery"))
        case "verify":
            let a = try ShellEmbedding.parse(try args.positional("an embedding"), what: "first embedding")
            let second = try args.positional("an identity id or a second embedding")
            let o = try args.options()
            if ShellEmbedding.looksLikeEmbedding(second) {
                if o.has("fusion") {
                    throw FaceDBError(
                        .invalidArgument, "fusion applies to an identity's faces, not to two embeddings.",
                        remedy: "Drop the fusion option, or verify against an identity.")
                }
                return .verifyPair(a, try ShellEmbedding.parse(second, what: "second embedding"), threshold: try o.float("threshold"))
            }
            return .verifyIdentity(a, identity: second, fusion: try o.fusion(), threshold: try o.float("threshold"))
        case "show":
            let id = try args.positional("an identity id")
            try args.end()
            return .show(id)
        case "list":
            var prefix = ""
            if let word = args.peek, word.lowercased() != "limit" { prefix = word; args.index += 1 }
            let o = try args.options()
            return .list(prefix: prefix, limit: try o.int("limit", minimum: 1))
        case "find":
            var conditions: [ShellCondition] = []
            while let word = args.peek, !entry.options.contains(word.lowercased()) {
                conditions.append(try ShellCondition.parse(word))
                args.index += 1
            }
            guard !conditions.isEmpty else { throw args.usageError("Give at least one condition.") }
            let o = try args.options()
            return .find(conditions, prefix: o.last("prefix") ?? "", limit: try o.int("limit", minimum: 1))
        case "add identity":
            let id = try args.positional("an identity id")
            let o = try args.options()
            return .addIdentity(id, name: o.last("name"), metadata: try o.json("meta"), galleries: o.all("gallery"))
        case "add face":
            let id = try args.positional("an identity id")
            let embedding = try ShellEmbedding.parse(try args.positional("an embedding"), what: "embedding")
            let o = try args.options()
            return .addFaces(identity: id, embedding, metadata: try o.json("meta"), create: o.has("create"))
        case "update identity":
            let id = try args.positional("an identity id")
            let o = try args.options()
            let galleries = o.all("gallery")
            guard o.has("name") || o.has("meta") || !galleries.isEmpty else {
                throw args.usageError("Give what to change: name, meta or gallery.")
            }
            return .updateIdentity(id, name: o.last("name"), metadata: try o.json("meta"), galleries: galleries.isEmpty ? nil : galleries)
        case "rename identity":
            let id = try args.positional("the identity id to rename")
            let newID = try args.positional("the new id")
            try args.end()
            return .renameIdentity(id, to: newID)
        case "search face":
            let word = try args.positional("a face id")
            guard let face = Int64(word), face >= 0 else {
                throw args.usageError("'\(word)' is not a face id (a whole number, as `show IDENTITY` lists them).")
            }
            let o = try args.options()
            return .searchFace(face, k: try o.int("k", minimum: 1), galleries: o.all("gallery"))
        case "remove identity":
            let id = try args.positional("an identity id")
            try args.end()
            return .removeIdentity(id)
        case "remove face":
            return .removeFaces(try faceIDs(&args, toWhat: "remove"))
        case "erase identity":
            let id = try args.positional("an identity id")
            try args.end()
            return .eraseIdentity(id)
        case "erase face":
            return .eraseFaces(try faceIDs(&args, toWhat: "erase"))
        case "stats":
            try args.end()
            return .stats
        case "calibrate":
            let o = try args.options()
            let seed = try o.last("seed").map { text -> UInt64 in
                guard let s = UInt64(text) else { throw args.usageError("seed must be a whole number ≥ 0, not '\(text)'.") }
                return s
            }
            return .calibrate(targetFMR: try o.rate("fmr"), targetFPIR: try o.rate("fpir"), seed: seed, dryRun: o.has("dry-run"))
        case "set":
            guard let name = args.peek else { return .showSettings }
            args.index += 1
            let value = try args.positional("a value for \(name)")
            try args.end()
            return .set(name.lowercased(), value)
        case "help":
            let topic = args.peek
            if topic != nil { args.index += 1 }
            try args.end()
            return .help(topic)
        default:  // quit
            try args.end()
            return .quit
        }
    }

    /// The words after a command's name, consumed left to right.
    /// The face ids that end a `remove face` or `erase face` line (at least one).
    private func faceIDs(_ args: inout Arguments, toWhat verb: String) throws -> [Int64] {
        var ids: [Int64] = []
        while let word = args.peek {
            guard let id = Int64(word), id >= 0 else {
                throw args.usageError("'\(word)' is not a face id (a whole number, as `show IDENTITY` lists them).")
            }
            ids.append(id)
            args.index += 1
        }
        guard !ids.isEmpty else { throw args.usageError("Give the id of the face to \(verb).") }
        return ids
    }

    private struct Arguments {
        let words: [String]
        let entry: ShellCommandTable.Entry
        var index = 0

        var peek: String? { index < words.count ? words[index] : nil }

        func usageError(_ message: String) -> FaceDBError {
            FaceDBError(.invalidArgument, message, remedy: "Usage: \(entry.usage)  (e.g. \(entry.examples[0]))")
        }

        mutating func positional(_ what: String) throws -> String {
            guard let word = peek else { throw usageError("'\(entry.name)' needs \(what).") }
            index += 1
            return word
        }

        func end() throws {
            if let word = peek { throw usageError("Unexpected '\(word)' after '\(entry.name)'.") }
        }

        /// The remaining words as `keyword value` pairs and bare flags.
        mutating func options() throws -> Options {
            var found: [(String, String?)] = []
            let flags: Set<String> = ["create", "dry-run"]
            while let word = peek {
                let key = word.lowercased()
                guard entry.options.contains(key) else {
                    let known = entry.options.isEmpty ? "it takes no options" : "its options are \(entry.options.joined(separator: ", "))"
                    throw usageError("Unexpected '\(word)' in '\(entry.name)'; \(known).")
                }
                index += 1
                if flags.contains(key) { found.append((key, nil)); continue }
                guard let value = peek else { throw usageError("The option \(key) needs a value.") }
                index += 1
                found.append((key, value))
            }
            return Options(pairs: found, usage: usageError)
        }
    }

    /// Options as given, with typed accessors that explain bad values.
    private struct Options {
        let pairs: [(String, String?)]
        let usage: (String) -> FaceDBError

        func has(_ key: String) -> Bool { pairs.contains { $0.0 == key } }
        func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.compactMap(\.1) }
        func last(_ key: String) -> String? { all(key).last }

        func int(_ key: String, minimum: Int) throws -> Int? {
            guard let text = last(key) else { return nil }
            guard let n = Int(text), n >= minimum else { throw usage("\(key) must be a whole number ≥ \(minimum), not '\(text)'.") }
            return n
        }

        func float(_ key: String) throws -> Float? {
            guard let text = last(key) else { return nil }
            guard let x = Float(text), x.isFinite else { throw usage("\(key) must be a number, not '\(text)'.") }
            return x
        }

        func rate(_ key: String) throws -> Double? {
            guard let text = last(key) else { return nil }
            guard let x = Double(text), x > 0, x < 1 else { throw usage("\(key) must be a rate between 0 and 1 (e.g. 1e-3), not '\(text)'.") }
            return x
        }

        func fusion() throws -> ScoreFusion? {
            guard let text = last("fusion") else { return nil }
            guard let f = ScoreFusion(argument: text.lowercased()) else { throw usage("fusion must be best or mean:M, not '\(text)'.") }
            return f
        }

        func json(_ key: String) throws -> JSONValue? {
            guard let text = last(key) else { return nil }
            let value = try JSONValue.parse(text)
            try Identity.validate(metadata: value)
            return value
        }
    }
}
