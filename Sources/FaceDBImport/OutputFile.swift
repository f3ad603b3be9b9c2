import Glibc
import FaceDBCore

/// A file written through a buffer, with I/O failures (a full disk above all) turned into
/// ``FaceDBError/Code/io`` errors that name the file. The writers of export files and the rejects
/// file use it.
final class OutputFile {
    /// The file's path.
    let path: String
    /// Bytes written so far (including those still buffered), from where the file was opened.
    private(set) var offset = 0

    private var descriptor: Int32
    private var buffer = [UInt8]()
    private let bufferSize: Int

    /// Opens `path` for writing, creating it; `append` keeps what it holds, else it is truncated.
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be opened.
    init(path: String, append: Bool = false, bufferSize: Int = 1 << 20) throws {
        self.path = path
        self.bufferSize = max(bufferSize, 1)
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw FaceDBError(.io, "Cannot open \(path) for writing: \(reason).",
                              remedy: "Check that its directory exists and is writable.", path: path, cause: reason)
        }
        buffer.reserveCapacity(self.bufferSize)
    }

    deinit {
        try? close()
    }

    /// Appends bytes.
    func write<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        try checkOpen()
        buffer.append(contentsOf: bytes)
        offset += bytes.count
        if buffer.count >= bufferSize { try flush() }
    }

    /// Appends the UTF-8 bytes of `text`.
    func write(_ text: String) throws { try write(text.utf8) }

    /// Appends the raw bytes of float32 values (little-endian on this platform).
    func write(floats: [Float]) throws {
        try floats.withUnsafeBytes { try write($0) }
    }

    /// Overwrites `bytes` at `position` (which must already have been written and flushed).
    func overwrite(_ bytes: [UInt8], at position: Int) throws {
        try flush()
        let n = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(position)) }
        if n != bytes.count { throw failure("Writing") }
    }

    /// Writes the buffered bytes to the file.
    func flush() throws {
        try checkOpen()
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                buffer.removeAll(keepingCapacity: true)
                throw failure("Writing")
            }
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, makes the contents durable (fsync) when asked, and closes; later calls do nothing.
    func close(sync: Bool = false) throws {
        guard descriptor >= 0 else { return }
        defer {
            Glibc.close(descriptor)
            descriptor = -1
        }
        try flush()
        if sync && fsync(descriptor) != 0 { throw failure("Syncing") }
    }

    private func checkOpen() throws {
        guard descriptor >= 0 else {
            throw FaceDBError(.io, "\(path) is already closed.", remedy: "This is a bug in the caller; open the file again.", path: path)
        }
    }

    private func failure(_ what: String) -> FaceDBError {
        let code = errno
        let reason = String(cString: strerror(code))
        let remedy = code == ENOSPC || code == EDQUOT
            ? "The disk is full: free some space (or write to another disk) and run the command again."
            : "Check the file's permissions and the disk."
        return FaceDBError(.io, "\(what) \(path) failed: \(reason).", remedy: remedy, path: path, cause: reason)
    }
}
