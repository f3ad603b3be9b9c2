import FaceDBCore

/// Converts the fields of a text row (a JSON member or a CSV cell) to the values of an
/// ``ImportRow``, throwing a ``Rejection`` that names the field and what is wrong with it.
enum RowFields {
    /// A non-empty identity from a JSON member.
    static func identity(json node: JSONNode?) throws(Rejection) -> String {
        guard let node else { throw Rejection("\"identity\" is missing") }
        guard case .string(let text) = node else { throw Rejection("\"identity\" must be a string, not \(node.kindDescription)") }
        return try identity(text: text)
    }

    /// A non-empty identity from text.
    static func identity(text: String) throws(Rejection) -> String {
        guard !text.isEmpty else { throw Rejection("the identity is empty") }
        return text
    }

    /// A face id from a JSON member; absent or null means none.
    static func faceID(json node: JSONNode?) throws(Rejection) -> Int64? {
        guard let node else { return nil }
        if case .null = node { return nil }
        return try node.int64(named: "face_id").get()
    }

    /// A face id from CSV text; empty means none.
    static func faceID(text: String) throws(Rejection) -> Int64? {
        let trimmed = trim(text)
        guard !trimmed.isEmpty else { return nil }
        guard let id = Int64(trimmed) else { throw Rejection("face_id \"\(clip(text))\" is not an integer") }
        return id
    }

    /// Metadata from a JSON member; absent or null means none, anything but an object is rejected.
    static func metadata(json node: JSONNode?) throws(Rejection) -> JSONValue? {
        guard let node else { return nil }
        switch node {
        case .null: return nil
        case .object: return node.jsonValue
        default: throw Rejection("\"metadata\" must be a JSON object, not \(node.kindDescription)")
        }
    }

    /// An optional string member (`null` or missing: nil).
    static func text(json node: JSONNode?, key: String) throws(Rejection) -> String? {
        switch node {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw Rejection("\"\(key)\" must be a string, not \(other.kindDescription)")
        }
    }

    /// An array of strings (missing: empty).
    static func strings(json node: JSONNode?, key: String) throws(Rejection) -> [String] {
        guard let node else { return [] }
        guard case .array(let items) = node else { throw Rejection("\"\(key)\" must be an array of strings, not \(node.kindDescription)") }
        var out: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw Rejection("\"\(key)\" must hold strings, not \(item.kindDescription)") }
            out.append(text)
        }
        return out
    }

    /// A member decoded as `T` from its JSON.
    static func decoded<T: Decodable>(_ type: T.Type, json node: JSONNode?, key: String) throws(Rejection) -> T {
        guard let node else { throw Rejection("\"\(key)\" is missing") }
        do {
            return try node.jsonValue.decoded(as: T.self)
        } catch {
            throw Rejection("\"\(key)\" is not a valid \(key) (\(RowFields.clip("\(error)")))")
        }
    }

    /// Metadata from CSV text holding a JSON object; empty means none.
    static func metadata(text: String) throws(Rejection) -> JSONValue? {
        guard !trim(text).isEmpty else { return nil }
        let node: JSONNode
        do {
            node = try JSONParser.parse(Array(text.utf8)).get()
        } catch {
            throw Rejection("metadata is not valid JSON (\(error.reason))")
        }
        return try metadata(json: node)
    }

    /// An embedding from a JSON member: an array of numbers.
    static func embedding(json node: JSONNode?) throws(Rejection) -> [Float] {
        guard let node else { throw Rejection("\"embedding\" is missing") }
        guard case .array(let items) = node else { throw Rejection("\"embedding\" must be an array of numbers, not \(node.kindDescription)") }
        var values = [Float]()
        values.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .number(let text) = item, let value = Float(text) else {
                throw Rejection("embedding value \(i) is \(item.kindDescription), not a number")
            }
            values.append(value)
        }
        return values
    }

    /// One embedding component from CSV text (surrounding spaces allowed).
    static func component(text: String, column: String) throws(Rejection) -> Float {
        guard let value = Float(trim(text)) else { throw Rejection("\(column) \"\(clip(text))\" is not a number") }
        return value
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trim(_ text: String) -> Substring {
        var slice = Substring(text)
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return slice
    }

    /// At most 40 characters of `text`, for quoting a bad value in a message.
    static func clip(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}
