import FaceDBCore
import Foundation

/// One condition of `find`: `KEY=VALUE`, `KEY!=VALUE` or `KEY~TEXT` on an identity's metadata.
///
/// `KEY` is a metadata key; dots reach into nested objects (`address.city`). `=` compares with the
/// value's natural form: strings exactly, numbers numerically (`floor=3` matches 3 and 3.0),
/// `true`/`false`, `null`; a list matches when any element does. `~` is a case-insensitive
/// substring test of the text form. `!=` is true when `=` is not (a missing key included).
/// The keys `@id`, `@name` and `@gallery` test the identity's id, display name and galleries.
struct ShellCondition: Equatable {
    /// How the value is compared.
    enum Operator: String, Equatable {
        case equals = "="
        case notEquals = "!="
        case contains = "~"
    }

    /// The dotted metadata key, or `@id`, `@name`, `@gallery`.
    var key: String
    /// The comparison.
    var op: Operator
    /// The value as written.
    var value: String

    /// Parses `KEY=VALUE`, `KEY!=VALUE` or `KEY~TEXT`.
    static func parse(_ word: String) throws -> ShellCondition {
        // The first operator in the word splits it (so values may hold = or ~); != wins over = at its position.
        let found = [Operator.notEquals, .equals, .contains].compactMap { op in word.range(of: op.rawValue).map { (op, $0) } }
        if let (op, range) = found.min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
            let key = String(word[..<range.lowerBound])
            guard !key.isEmpty else {
                throw FaceDBError(
                    .invalidArgument, "The condition '\(word)' has no key before \(op.rawValue).",
                    remedy: "Write KEY=VALUE, e.g. team=blue.")
            }
            return ShellCondition(key: key, op: op, value: String(word[range.upperBound...]))
        }
        throw FaceDBError(
            .invalidArgument, "'\(word)' is not a condition.",
            remedy: "Write KEY=VALUE, KEY!=VALUE or KEY~TEXT, e.g. team=blue or city~par.")
    }

    /// Whether `identity` satisfies the condition.
    func matches(_ identity: Identity) -> Bool {
        let candidates: [JSONValue]
        switch key {
        case "@id": candidates = [.string(identity.id)]
        case "@name": candidates = identity.displayName.map { [.string($0)] } ?? []
        case "@gallery": candidates = identity.galleries.map { .string($0) }
        default: candidates = Self.lookup(key, in: identity.metadata).map { [$0] } ?? []
        }
        let flat = candidates.flatMap { value -> [JSONValue] in
            if case .array(let items) = value { return items }
            return [value]
        }
        switch op {
        case .equals: return flat.contains { Self.equals($0, value) }
        case .notEquals: return !flat.contains { Self.equals($0, value) }
        case .contains:
            let needle = value.lowercased()
            return flat.contains { Self.text($0).lowercased().contains(needle) }
        }
    }

    /// The value at a dotted key path, or nil.
    static func lookup(_ path: String, in metadata: JSONValue) -> JSONValue? {
        if let whole = metadata.objectValue?[path] { return whole }
        var value = metadata
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = value.objectValue?[String(part)] else { return nil }
            value = next
        }
        return value
    }

    private static func equals(_ stored: JSONValue, _ written: String) -> Bool {
        switch stored {
        case .string(let s): return s == written
        case .number(let n): return Double(written) == n
        case .bool(let b): return written == (b ? "true" : "false")
        case .null: return written == "null"
        case .array, .object: return stored.description == written
        }
    }

    private static func text(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.description
    }
}
