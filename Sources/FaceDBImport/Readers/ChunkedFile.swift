import FaceDBCore
import Glibc
import SystemPackage

/// Reads a file front to back through one fixed-size buffer, as lines (text formats) or as exact
/// byte counts (binary formats). Memory stays at the buffer size whatever the file size; only a
/// line longer than the buffer grows it, up to ``maximumLineLength`` (by default
/// ``TextLimits/maximumLineLength``, 1 MiB): a longer line is refused once that much is read.
public final class ChunkedFile {
    /// The file's path, for messages.
    public let path: String
    /// The file's name (last path component), for messages.
    public private(set) lazy var name = EmbeddingFiles.fileName(of: path)
    /// The file's size in bytes when it was opened.
    public let size: Int
    /// How many bytes have been handed out (lines with their terminators, or binary reads).
    public private(set) var position = 0
    /// The 1-based number of the last line returned by ``readLine()``; 0 before the first.
    public private(set) var lineNumber = 0
    /// The longest line ``readLine()`` accepts, in bytes.
    public let maximumLineLength: Int
    /// The bytes handed out so far (``position`` of them), by length and hash: what an import
    /// records to recognise this file's beginning later (see ``ImportMark``).
    public var consumed: FilePrefix { hasher.prefix }

    private let descriptor: FileDescriptor
    private var buffer: [UInt8]
    private var start = 0  // first unread byte in `buffer`
    private var end = 0  // one past the last valid byte in `buffer`
    private var atEndOfFile = false
    private var hasher = PrefixHasher()

    /// Opens `path` for reading.
    /// - Parameters:
    ///   - chunkSize: the size of each read from the file (smaller for a smaller file).
    ///   - maximumLineLength: the longest line accepted by ``readLine()``.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    public init(path: String, chunkSize: Int = 1 << 20, maximumLineLength: Int = TextLimits.maximumLineLength) throws {
        self.path = path
        self.maximumLineLength = max(maximumLineLength, 1)
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path: path, .readOnly, options: .closeOnExec)
        } catch {
            let reason = "\(error)"
            throw FaceDBError(
                .io, "Cannot open \(path): \(reason).",
                remedy: "Check that the file exists and is readable.", path: path, cause: reason)
        }
        // fstat(2) on the descriptor: swift-system has `FileDescriptor.stat()` only from 1.7.
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
            try? fd.close()
            throw FaceDBError(
                .io, "Cannot read \(path): it is a directory or cannot be examined.",
                remedy: "Give the path of a file.", path: path)
        }
        descriptor = fd
        size = Int(info.st_size)
        buffer = [UInt8](repeating: 0, count: max(min(chunkSize, size + 1), 16))  // small files, small buffers
    }

    deinit { try? descriptor.close() }

    /// The next line without its `\n` or `\r\n`, or nil at the end of the file. A UTF-8 byte order
    /// mark at the start of the file is skipped; a last line without a newline is returned as is.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a line longer than ``maximumLineLength``,
    ///   ``FaceDBError/Code/io`` when reading fails.
    public func readLine() throws -> [UInt8]? {
        if position == 0 && lineNumber == 0 {
            try skipByteOrderMark()
        }
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom..<end].firstIndex(of: UInt8(ascii: "\n")) {
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                guard lineEnd - start <= maximumLineLength else {
                    throw TextLimits.lineTooLong(path, line: lineNumber + 1, limit: maximumLineLength, path: path)
                }
                return takeLine(upTo: lineEnd, consuming: newline + 1 - start)
            }
            if end - start > maximumLineLength + 1 {  // + 1: a '\r' may end the line
                throw TextLimits.lineTooLong(path, line: lineNumber + 1, limit: maximumLineLength, path: path)
            }
            if atEndOfFile {
                guard start < end else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                guard lineEnd - start <= maximumLineLength else {
                    throw TextLimits.lineTooLong(path, line: lineNumber + 1, limit: maximumLineLength, path: path)
                }
                return takeLine(upTo: lineEnd, consuming: end - start)
            }
            searchFrom = end - start  // where the search stops after compacting
            try refill()
            searchFrom += start
        }
    }

    /// Copies the next `destination.count` bytes into `destination`.
    /// - Returns: how many bytes were copied; fewer than asked only at the end of the file.
    /// - Throws: ``FaceDBError/Code/io`` when reading fails.
    public func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var copied = 0
        while copied < destination.count {
            if start == end {
                if atEndOfFile { break }
                try refill()
                continue
            }
            let n = min(end - start, destination.count - copied)
            buffer.withUnsafeBytes { source in
                let bytes = UnsafeRawBufferPointer(rebasing: source[start..<start + n])
                UnsafeMutableRawBufferPointer(rebasing: destination[copied..<copied + n]).copyMemory(from: bytes)
                hasher.update(bytes)
            }
            start += n
            copied += n
        }
        position += copied
        return copied
    }

    /// The next `count` bytes, or fewer at the end of the file.
    /// - Throws: ``FaceDBError/Code/io`` when reading fails.
    public func read(count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(count, 0))
        let n = try bytes.withUnsafeMutableBytes { try read(into: $0) }
        bytes.removeLast(bytes.count - n)
        return bytes
    }

    /// The next `count` little-endian float32 values, or nil when the file ends before all of them.
    /// - Throws: ``FaceDBError/Code/io`` when reading fails.
    public func readFloat32(count: Int) throws -> [Float]? {
        var complete = false
        let values = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            complete = try read(into: UnsafeMutableRawBufferPointer(buffer)) == count * 4
            initialized = count
        }
        guard complete else { return nil }
        #if _endian(big)
            return values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #else
            return values
        #endif
    }

    /// Hands out `buffer[start..<lineEnd]` as a line and consumes `consumed` bytes.
    private func takeLine(upTo lineEnd: Int, consuming consumed: Int) -> [UInt8] {
        let line = Array(buffer[start..<lineEnd])
        hashBuffer(count: consumed)
        start += consumed
        position += consumed
        lineNumber += 1
        return line
    }

    /// Adds the `count` bytes at `start` to ``consumed``.
    private func hashBuffer(count: Int) {
        buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
    }

    /// Skips `EF BB BF` at the very start of the file.
    private func skipByteOrderMark() throws {
        while end - start < 3 && !atEndOfFile { try refill() }
        if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
            hashBuffer(count: 3)
            start += 3
            position += 3
        }
    }

    /// Moves the unread bytes to the front of the buffer (growing it when they fill it) and reads
    /// more from the file after them.
    private func refill() throws {
        if start > 0 {
            let unread = end - start
            if unread > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: unread)
                }
            }
            start = 0
            end = unread
        }
        if end == buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        let n: Int
        do {
            n = try buffer.withUnsafeMutableBytes { raw in
                try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))  // retried on EINTR
            }
        } catch {
            let reason = "\(error)"
            throw FaceDBError(
                .io, "Reading \(path) failed: \(reason).",
                remedy: "Check the disk and the file.", path: path, cause: reason)
        }
        if n > 0 {
            end += n
        } else {
            atEndOfFile = true
        }
    }
}
