import Glibc
import FaceDBCore

/// Appends rejected rows to a file as JSON Lines, `{"row": 12, "reason": "..."}` per line,
/// through a buffer. Call ``close()`` to flush; the file is created if it does not exist.
public final class RejectsWriter {
    /// The rejects file's path.
    public let path: String
    /// How many rows have been written.
    public private(set) var count = 0

    private var descriptor: Int32
    private var buffer = [UInt8]()
    private let bufferSize: Int

    /// Opens `path` for appending, creating it if needed.
    /// - Parameter bufferSize: how many bytes are gathered before each write to the file.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    public init(path: String, bufferSize: Int = 64 << 10) throws {
        self.path = path
        self.bufferSize = max(bufferSize, 1)
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw FaceDBError(.io, "Cannot open the rejects file \(path): \(reason).",
                              remedy: "Check that its directory exists and is writable.", path: path, cause: reason)
        }
        buffer.reserveCapacity(self.bufferSize)
    }

    deinit {
        try? close()
    }

    /// Appends one rejected row.
    /// - Throws: ``FaceDBError/Code/io`` when writing fails, or after ``close()``.
    public func write(_ rejected: RejectedRow) throws {
        guard descriptor >= 0 else {
            throw FaceDBError(.io, "The rejects file \(path) is closed.", remedy: "Open a new RejectsWriter.", path: path)
        }
        buffer.append(contentsOf: #"{"row":"#.utf8)
        buffer.append(contentsOf: String(rejected.row).utf8)
        buffer.append(contentsOf: #","reason":"#.utf8)
        Self.appendJSONString(rejected.reason, to: &buffer)
        buffer.append(contentsOf: "}\n".utf8)
        count += 1
        if buffer.count >= bufferSize { try flush() }
    }

    /// Writes the buffered rows to the file.
    /// - Throws: ``FaceDBError/Code/io`` when writing fails.
    public func flush() throws {
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw FaceDBError(.io, "Writing the rejects file \(path) failed: \(reason).",
                                  remedy: "Check the free disk space and permissions.", path: path, cause: reason)
            }
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file; later calls do nothing.
    /// - Throws: ``FaceDBError/Code/io`` when the last write fails.
    public func close() throws {
        guard descriptor >= 0 else { return }
        defer {
            Glibc.close(descriptor)
            descriptor = -1
        }
        try flush()
    }

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
