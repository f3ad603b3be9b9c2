import Glibc
import FaceDBCore

/// Appends rejected rows to a file as JSON Lines, `{"row": 12, "reason": "..."}` per line,
/// through a buffer. Call ``close()`` to flush; the file is created if it does not exist.
public final class RejectsWriter {
    /// The rejects file's path.
    public var path: String { file.path }
    /// How many rows have been written.
    public private(set) var count = 0

    private let file: OutputFile
    private var line = [UInt8]()

    /// Opens `path` for appending, creating it if needed.
    /// - Parameter bufferSize: how many bytes are gathered before each write to the file.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    public init(path: String, bufferSize: Int = 64 << 10) throws {
        file = try OutputFile(path: path, append: true, bufferSize: bufferSize)
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

    /// Writes the buffered rows to the file.
    /// - Throws: ``FaceDBError/Code/io`` when writing fails.
    public func flush() throws { try file.flush() }

    /// Flushes and closes the file; later calls do nothing.
    /// - Throws: ``FaceDBError/Code/io`` when the last write fails.
    public func close() throws { try file.close() }

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
