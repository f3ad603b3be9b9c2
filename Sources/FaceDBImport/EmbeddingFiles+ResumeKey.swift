import Glibc
import FaceDBCore

extension EmbeddingFiles {
    /// A key that identifies an import file (and its labels file) by content, for resuming an
    /// import: the size and a 64-bit FNV-1a hash of the first and last 64 KiB of each file. Cheap on
    /// files of any size; two files that differ only in their middle would share a key, which is
    /// why ``ImportRow`` face ids, when present, are checked too.
    /// - Throws: ``FaceDBError/Code/io`` when a file cannot be read.
    public static func resumeKey(path: String, labels: String?) throws -> String {
        var key = try fingerprint(path)
        if let labels { key += "+" + (try fingerprint(labels)) }
        return key
    }

    /// `<size>-<hash>` of one file.
    private static func fingerprint(_ path: String) throws -> String {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw FaceDBError(.io, "Cannot open \(path): \(reason).", remedy: "Check the path and its permissions.",
                              path: path, cause: reason)
        }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FaceDBError(.io, "Cannot read the size of \(path).", remedy: "Check the file.", path: path)
        }
        let size = Int(info.st_size)
        let window = 64 << 10
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var buffer = [UInt8](repeating: 0, count: window)
        for start in Set([0, max(0, size - window)]).sorted() {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(start)) }
            guard n >= 0 else {
                throw FaceDBError(.io, "Cannot read \(path).", remedy: "Check the file.", path: path)
            }
            for byte in buffer[0..<n] { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        return "\(size)-" + String(hash, radix: 16)
    }
}
