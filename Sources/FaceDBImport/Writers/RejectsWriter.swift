import FaceDBCore
import Glibc

/// Writes rejected rows to a file as JSON Lines, `{"row": 12, "reason": "..."}` per line, through
/// an ``OutputFile``: the rows go to a temporary file that ``close()`` renames over `path`, so a file
/// already there is replaced whole (never appended to, never written through a link). With no
/// rows, ``close()`` creates no file but replaces an existing one with an empty one.
public final class RejectsWriter {
    /// The rejects file's path.
    public var path: String { file.path }
    /// How many rows have been written.
    public private(set) var count = 0

    private let file: OutputFile
    private var line = [UInt8]()

    /// Opens a temporary file next to `path`.
    /// - Parameter bufferSize: how many bytes are gathered before each write to the file.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be created.
    public init(path: String, bufferSize: Int = 64 << 10) throws {
        file = try OutputFile(path: path, bufferSize: bufferSize)
    }

    /// Appends one rejected row.
    /// - Throws: ``FaceDBError/Code/io`` when writing fails, or after ``close()``.
    public func write(_ rejected: RejectedRow) throws {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: #"{"row":"#.utf8)
        line.append(contentsOf: String(rejected.row).utf8)
        line.append(contentsOf: #","reason":"#.utf8)
        Self.appendJSONString(rejected.reason, to: &line)
        line.append(contentsOf: "}\n".utf8)
        try file.write(line)
        count += 1
    }

    /// Writes the buffered rows to the temporary file.
    /// - Throws: ``FaceDBError/Code/io`` when writing fails.
    public func flush() throws { try file.flush() }

    /// Puts the file in place (see ``OutputFile/commit(skipIfEmptyAndNew:)``); later calls do nothing.
    /// - Throws: ``FaceDBError/Code/io`` when the last write fails.
    public func close() throws { try file.commit(skipIfEmptyAndNew: true) }

    /// Appends `text` as a JSON string literal.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
