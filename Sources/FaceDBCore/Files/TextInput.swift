import SystemPackage

/// The limits on text input (embedding files and standard input, JSON Lines, CSV, labels and pairs
/// files, shell lines and scripts), enforced while reading so that hostile or mistaken input
/// (`/dev/zero`, a binary file, one huge line) is refused before it is held in memory.
public enum TextLimits {
    /// The longest line read: 1 MiB. A 4096-D float32 embedding written as JSON text is about
    /// 70 KB (up to 17 characters per number), so this leaves 14× room for identities and metadata;
    /// a reader holds at most twice this per line.
    public static let maximumLineLength = 1 << 20
    /// The largest text document read whole (an embedding file given with `--embedding-file`,
    /// a pairs file, a history file): 64 MiB, about 900 4096-D or 40,000 128-D embeddings as text.
    /// Bigger collections belong in `facedb import`, which streams.
    public static let maximumDocumentLength = 64 << 20

    /// The error for line `line` of `name` running past `limit` bytes.
    public static func lineTooLong(_ name: String, line: Int, limit: Int, path: String? = nil) -> FaceDBError {
        FaceDBError(
            .invalidArgument,
            "Line \(line) of \(name) is longer than \(describe(limit)), the longest line FaceDB reads.",
            remedy: "Check that it is a text file with one entry per line (a 4096-D embedding is about 70 KB as text); split or shorten the line.",
            path: path)
    }

    /// The error for `name` running past `limit` bytes.
    public static func documentTooLong(_ name: String, limit: Int, path: String? = nil) -> FaceDBError {
        FaceDBError(
            .invalidArgument, "\(name) is longer than \(describe(limit)), the most FaceDB reads of such a file.",
            remedy: "Split it into smaller files, or use facedb import (which streams) for large collections of embeddings.",
            path: path)
    }

    /// `1 MiB (1048576 bytes)`.
    static func describe(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB (\(bytes) bytes)" : "\(bytes) bytes"
    }
}

/// Reads text lines from a file descriptor (a file, a pipe, a terminal) through a bounded buffer:
/// a line longer than ``maximumLineLength``, or input longer than ``maximumTotalLength``, is
/// refused with a ``FaceDBError`` as soon as that many bytes have been read, never held whole.
public final class BoundedLineReader {
    /// The input's name in messages: a file's path or "standard input".
    public let name: String
    /// The longest line accepted, in bytes (without its line break).
    public let maximumLineLength: Int
    /// The most bytes read in all, or nil for no limit (e.g. an interactive shell).
    public let maximumTotalLength: Int?
    /// The 1-based number of the last line returned; 0 before the first.
    public private(set) var lineNumber = 0

    private let descriptor: FileDescriptor
    private let ownsDescriptor: Bool
    private let path: String?
    private var buffer: [UInt8] = []
    private var start = 0
    private var total = 0
    private var atEnd = false

    /// Reads from `descriptor` (not closed at the end).
    public init(
        descriptor: Int32, name: String, maximumLineLength: Int = TextLimits.maximumLineLength,
        maximumTotalLength: Int? = TextLimits.maximumDocumentLength
    ) {
        self.descriptor = FileDescriptor(rawValue: descriptor)
        self.ownsDescriptor = false
        self.path = nil
        self.name = name
        self.maximumLineLength = maximumLineLength
        self.maximumTotalLength = maximumTotalLength
    }

    /// Opens `path`; `-` is standard input.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    public init(
        path: String, maximumLineLength: Int = TextLimits.maximumLineLength,
        maximumTotalLength: Int? = TextLimits.maximumDocumentLength
    ) throws {
        self.maximumLineLength = maximumLineLength
        self.maximumTotalLength = maximumTotalLength
        if path == "-" {
            descriptor = .standardInput
            ownsDescriptor = false
            self.path = nil
            name = "standard input"
            return
        }
        do {
            descriptor = try FileDescriptor.open(path: path, .readOnly, options: .closeOnExec)
        } catch {
            let reason = "\(error)"
            throw FaceDBError(
                .io, "Cannot open \(path): \(reason).", remedy: "Check the path and its permissions.",
                path: path, cause: reason)
        }
        ownsDescriptor = true
        self.path = path
        name = path
    }

    deinit { if ownsDescriptor { try? descriptor.close() } }

    /// The next line without its `\n` or `\r\n` (a last line without a line break as is), or nil
    /// at the end of the input.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a line or input over the limits,
    ///   ``FaceDBError/Code/io`` when reading fails.
    public func readLineBytes() throws -> [UInt8]? {
        var searched = start
        while true {
            if let newline = buffer[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - start <= maximumLineLength else { throw lineTooLong() }
                let line = Array(buffer[start..<end])
                start = newline + 1
                lineNumber += 1
                return line
            }
            searched = buffer.count
            if buffer.count - start > maximumLineLength + 1 { throw lineTooLong() }  // + 1: a '\r' may end it
            if atEnd {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - start <= maximumLineLength else { throw lineTooLong() }
                let line = Array(buffer[start..<end])
                start = buffer.count
                lineNumber += 1
                return line
            }
            searched -= start
            try fill()
            searched += start
        }
    }

    /// ``readLineBytes()`` as text (invalid UTF-8 repaired with U+FFFD).
    public func readLine() throws -> String? {
        try readLineBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Reads everything left, within the limits, as one document.
    /// - Throws: as ``readLineBytes()``.
    public func readAll() throws -> [UInt8] {
        var lines: [UInt8] = []
        var first = true
        while let line = try readLineBytes() {
            if !first { lines.append(UInt8(ascii: "\n")) }
            lines += line
            first = false
        }
        return lines
    }

    /// The whole text of `path` (`-`: standard input), refused past ``TextLimits/maximumDocumentLength``
    /// or a line past ``TextLimits/maximumLineLength``; line breaks become `\n`.
    /// - Throws: ``FaceDBError/Code/io`` when it cannot be read, ``FaceDBError/Code/invalidArgument`` over a limit.
    public static func document(at path: String) throws -> String {
        String(decoding: try BoundedLineReader(path: path).readAll(), as: UTF8.self)
    }

    private func lineTooLong() -> FaceDBError {
        TextLimits.lineTooLong(name, line: lineNumber + 1, limit: maximumLineLength, path: path)
    }

    /// Drops the lines handed out and reads more (at most 64 KiB a time, so the limits hold to the byte).
    private func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let n: Int
        do {
            n = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }  // retried on EINTR
        } catch {
            let reason = "\(error)"
            throw FaceDBError(.io, "Reading \(name) failed: \(reason).", remedy: "Check the input.", path: path, cause: reason)
        }
        if n == 0 {
            atEnd = true
            return
        }
        total += n
        if let maximumTotalLength, total > maximumTotalLength {
            throw TextLimits.documentTooLong(name, limit: maximumTotalLength, path: path)
        }
        buffer += chunk[0..<n]
    }
}
