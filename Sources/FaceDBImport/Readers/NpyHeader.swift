import FaceDBCore

/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0): the magic string, the
/// version, the header length, then a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }`.
///
/// Only what an embedding matrix can be is accepted: a C-order `(n, d)` array of little-endian
/// float16, float32 or float64.
struct NpyHeader {
    /// The element types accepted.
    enum ElementType: String, Sendable {
        case float16, float32, float64

        /// Bytes per element.
        var size: Int {
            switch self {
            case .float16: return 2
            case .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// The format's major version (1, 2 or 3).
    var majorVersion: Int
    /// The element type.
    var elementType: ElementType
    /// The number of rows, `n`.
    var rows: Int
    /// The number of columns, `d`: the embedding dimension.
    var dimension: Int
    /// Where the data starts in the file.
    var dataOffset: Int
    /// Bytes per row: `d × itemsize`.
    var rowBytes: Int { dimension * elementType.size }

    /// The longest header accepted; NumPy's own headers are a few hundred bytes.
    static let maximumHeaderLength = 1 << 20

    private static let remedy =
        "Save the embeddings as a C-order (n, d) float array: np.save(path, np.ascontiguousarray(x, dtype=np.float32))."

    /// Reads and checks the header at the start of `file`, leaving the file at the first row.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a file that is not a `.npy` or holds an
    ///   unsupported array, ``FaceDBError/Code/corruption`` for a truncated header.
    static func read(from file: ChunkedFile) throws -> NpyHeader {
        let name = EmbeddingFiles.fileName(of: file.path)
        func unsupported(_ what: String) -> FaceDBError {
            FaceDBError(.invalidArgument, "\(name) \(what).", remedy: remedy, path: file.path)
        }
        func truncated() -> FaceDBError {
            FaceDBError(
                .corruption, "\(name) ends inside its .npy header: truncated.",
                remedy: "Copy or save the file again.", path: file.path)
        }

        let preamble = try file.read(count: 8)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard !preamble.isEmpty else { throw unsupported("is empty") }
        if preamble.count < 8 && magic.starts(with: preamble.prefix(6)) { throw truncated() }
        guard preamble.starts(with: magic) else {
            throw unsupported("is not a NumPy .npy file (it does not start with \\x93NUMPY)")
        }
        let major = Int(preamble[6])
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw unsupported("uses .npy format version \(major).\(preamble[7]); versions 1.0, 2.0 and 3.0 are supported")
        }
        let lengthField = try file.read(count: lengthBytes)
        guard lengthField.count == lengthBytes else { throw truncated() }
        let headerLength = lengthField.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= maximumHeaderLength else {
            throw unsupported("declares a header of \(headerLength) bytes, more than a .npy header can plausibly be")
        }
        let text = try file.read(count: headerLength)
        guard text.count == headerLength else { throw truncated() }

        let dict: [(key: String, value: PythonLiteral)]
        do throws(Rejection) {
            guard case .dict(let members) = try PythonLiteral.parse(text) else {
                throw Rejection("it is not a dict")
            }
            dict = members
        } catch {
            throw unsupported("has a malformed header (\(error.reason))")
        }
        func value(_ key: String) throws -> PythonLiteral {
            guard let found = dict.first(where: { $0.key == key }) else { throw unsupported("has no '\(key)' in its header") }
            return found.value
        }

        let elementType = try parseDescr(value("descr"), unsupported: unsupported)
        guard case .bool(let fortranOrder) = try value("fortran_order") else {
            throw unsupported("has a header whose 'fortran_order' is not True or False")
        }
        guard case .tuple(let shapeItems) = try value("shape") else {
            throw unsupported("has a header whose 'shape' is not a tuple")
        }
        var shape = [Int]()
        for item in shapeItems {
            guard case .int(let text) = item, let n = Int(text) else {
                throw unsupported("has a header whose 'shape' is not a tuple of integers")
            }
            shape.append(n)
        }
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        guard shape.count == 2 else {
            throw unsupported("holds a \(shape.count)-D array of shape \(shapeText); a 2-D (n, d) matrix with one embedding per row is needed")
        }
        guard !fortranOrder else {
            throw unsupported("is stored in Fortran (column-major) order; only C (row-major) order is supported")
        }
        guard (1...EmbeddingSpace.maximumDimension).contains(shape[1]), shape[0] >= 0 else {
            throw unsupported("has shape \(shapeText); rows must be 0 or more and the dimension 1 to \(EmbeddingSpace.maximumDimension)")
        }
        return NpyHeader(
            majorVersion: major, elementType: elementType, rows: shape[0], dimension: shape[1],
            dataOffset: 6 + 2 + lengthBytes + headerLength)
    }

    /// The element type of a `descr` such as `'<f4'`.
    private static func parseDescr(_ descr: PythonLiteral, unsupported: (String) -> FaceDBError) throws -> ElementType {
        guard case .string(let text) = descr else {
            throw unsupported("holds a structured array (its dtype is a list of fields); a plain float matrix is needed")
        }
        let supported = "; supported are float32 ('<f4'), float64 ('<f8') and float16 ('<f2'), little-endian"
        let order = text.first
        let code = text.dropFirst()
        if order == ">" {
            throw unsupported("holds big-endian data (dtype '\(text)')\(supported)")
        }
        guard order == "<" || order == "|" || order == "=" else {
            throw unsupported("holds dtype '\(text)'\(supported)")
        }
        switch code {
        case "f2": return .float16
        case "f4": return .float32
        case "f8": return .float64
        default:
            let kinds: [Character: String] = [
                "i": "integers", "u": "unsigned integers", "b": "booleans",
                "O": "Python objects", "c": "complex numbers", "S": "byte strings",
                "U": "strings", "f": "floats of an unsupported size",
            ]
            let kind = code.first.flatMap { kinds[$0] }.map { " (\($0))" } ?? ""
            throw unsupported("holds dtype '\(text)'\(kind)\(supported)")
        }
    }
}

/// The subset of Python literal syntax that `.npy` headers use: dicts, tuples, lists, strings,
/// integers, `True`, `False` and `None`.
enum PythonLiteral {
    case dict([(key: String, value: PythonLiteral)])
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case string(String)
    case int(String)
    case bool(Bool)
    case none

    /// Parses one literal, surrounded by optional whitespace.
    static func parse(_ bytes: [UInt8]) throws(Rejection) -> PythonLiteral {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Rejection("unexpected text at byte \(parser.index + 1)") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x00].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(Rejection) -> PythonLiteral {
            guard depth < 16 else { throw Rejection("nested too deeply") }
            skipWhitespace()
            guard index < bytes.count else { throw Rejection("unexpected end") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                index += 1
                var members = [(key: String, value: PythonLiteral)]()
                for item in try items(closedBy: UInt8(ascii: "}"), depth: depth, keyed: true) {
                    guard case .string(let key) = item.key else { throw Rejection("a dict key is not a string") }
                    members.append((key, item.value))
                }
                return .dict(members)
            case UInt8(ascii: "("):
                index += 1
                return .tuple(try items(closedBy: UInt8(ascii: ")"), depth: depth, keyed: false).map(\.value))
            case UInt8(ascii: "["):
                index += 1
                return .list(try items(closedBy: UInt8(ascii: "]"), depth: depth, keyed: false).map(\.value))
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                index += 1
                var text = [UInt8]()
                while index < bytes.count, bytes[index] != byte {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    if index < bytes.count { text.append(bytes[index]) }
                    index += 1
                }
                guard index < bytes.count else { throw Rejection("a string is not closed") }
                index += 1
                return .string(String(decoding: text, as: UTF8.self))
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                let begin = index
                index += 1
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                let text = String(decoding: bytes[begin..<index], as: UTF8.self)
                if index < bytes.count, bytes[index] == UInt8(ascii: "L") { index += 1 }  // Python 2 longs
                return .int(text)
            default:
                for (word, literal) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
                where bytes[index...].starts(with: word.utf8) {
                    index += word.utf8.count
                    return literal
                }
                throw Rejection("unexpected character at byte \(index + 1)")
            }
        }

        /// Comma-separated items up to `closer`, a trailing comma allowed; `key: value` pairs when `keyed`.
        mutating func items(closedBy closer: UInt8, depth: Int, keyed: Bool) throws(Rejection) -> [(key: PythonLiteral?, value: PythonLiteral)] {
            var result = [(key: PythonLiteral?, value: PythonLiteral)]()
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw Rejection("unexpected end") }
                if bytes[index] == closer {
                    index += 1
                    return result
                }
                var key: PythonLiteral?
                var item = try value(depth: depth + 1)
                if keyed {
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Rejection("expected ':' at byte \(index + 1)") }
                    index += 1
                    key = item
                    item = try value(depth: depth + 1)
                }
                result.append((key, item))
                skipWhitespace()
                guard index < bytes.count else { throw Rejection("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] != closer {
                    throw Rejection("expected ',' at byte \(index + 1)")
                }
            }
        }
    }
}
