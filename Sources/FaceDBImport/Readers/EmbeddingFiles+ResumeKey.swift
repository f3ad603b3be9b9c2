import FaceDBCore
import Glibc
import SystemPackage

/// The files of an import (the embedding file and, for `.npy` and `.fvecs`, its labels file), for
/// resuming: ``longestMatch(among:)`` finds the earlier import run whose files this one starts
/// with, byte for byte.
///
/// Files are recognised by content, never by name or size alone: a mark records, per file, the
/// length of the prefix its rows were read from and the XXH64 of that prefix (``FilePrefix``).
/// A file matches when its first `bytes` bytes hash to the same value, so
/// - re-running an interrupted import passes over the rows already done;
/// - a finished file with rows appended (JSON Lines, CSV, `.fvecs` and a plain labels file) imports
///   only the new rows; a `.npy` file's header states the row count, so appending changes its
///   first bytes and it is imported anew;
/// - two different files of the same size never share their marks.
public struct ResumeKey: Sendable, Hashable {
    /// The embedding file.
    public let path: String
    /// The labels file, if any.
    public let labels: String?

    /// The files of an import.
    public init(path: String, labels: String?) {
        self.path = path
        self.labels = labels
    }

    /// The mark with the most rows among `marks` whose recorded prefixes these files start with,
    /// or nil when none does.
    ///
    /// Cost: the first 4 KiB of each file are read to rule out the marks of other files; only the
    /// marks that pass are checked by hashing the files' prefixes, in one read of each file up to
    /// the longest such prefix (about 0.3 s per GB from the page cache, BENCHMARKS.md "Memory").
    /// - Throws: ``FaceDBError/Code/io`` when a file cannot be read.
    public func longestMatch(among marks: [ImportMark]) throws -> ImportMark? {
        let paths = [path] + (labels.map { [$0] } ?? [])
        var candidates = marks.filter { $0.rows > 0 && $0.files.count == paths.count }
        for (k, file) in paths.enumerated() where !candidates.isEmpty {
            let reader = try PrefixReader(path: file)
            let head = try reader.head()
            candidates = candidates.filter { mark in
                let prefix = mark.files[k]
                guard prefix.bytes <= reader.size else { return false }
                let length = min(prefix.bytes, FilePrefix.headLength)
                return head.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<length])) } == prefix.headHash
            }
            let matching = try reader.hashes(at: Set(candidates.map { $0.files[k].bytes }))
            candidates = candidates.filter { matching[$0.files[k].bytes] == $0.files[k].hash }
        }
        return candidates.max { ($0.rows, $0.key) < ($1.rows, $1.key) }
    }
}

extension EmbeddingFiles {
    /// The ``ResumeKey`` of an import of `path` with the labels file `labels`.
    /// - Throws: ``FaceDBError/Code/io`` when a file cannot be opened.
    public static func resumeKey(path: String, labels: String?) throws -> ResumeKey {
        _ = try PrefixReader(path: path)
        if let labels { _ = try PrefixReader(path: labels) }
        return ResumeKey(path: path, labels: labels)
    }
}

/// Reads a file's first bytes and the XXH64 of its prefixes of given lengths.
private final class PrefixReader {
    let path: String
    let size: Int
    private let descriptor: FileDescriptor

    init(path: String) throws {
        self.path = path
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path: path, .readOnly, options: .closeOnExec)
        } catch {
            let reason = "\(error)"
            throw FaceDBError(
                .io, "Cannot open \(path): \(reason).", remedy: "Check the path and its permissions.",
                path: path, cause: reason)
        }
        // fstat(2) on the descriptor: swift-system has `FileDescriptor.stat()` only from 1.7.
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else {
            try? fd.close()
            throw FaceDBError(.io, "Cannot read the size of \(path).", remedy: "Check the file.", path: path)
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { try? descriptor.close() }

    /// The first `min(size, FilePrefix.headLength)` bytes.
    func head() throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: min(size, FilePrefix.headLength))
        let n = try bytes.withUnsafeMutableBytes { try read($0, at: 0) }
        return Array(bytes[0..<n])
    }

    /// The XXH64 of the first `length` bytes for each of `lengths`, in one read of the file up to
    /// the longest; lengths past the end of the file are left out.
    func hashes(at lengths: Set<Int>) throws -> [Int: UInt64] {
        var result: [Int: UInt64] = [:]
        var hasher = XXHash64()
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for stop in lengths.sorted() where stop <= size {
            while offset < stop {
                let want = min(buffer.count, stop - offset)
                let n = try buffer.withUnsafeMutableBytes { raw in
                    try read(UnsafeMutableRawBufferPointer(rebasing: raw[0..<want]), at: offset)
                }
                guard n > 0 else { return result }  // the file shrank
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                offset += n
            }
            result[stop] = hasher.finalize()
        }
        return result
    }

    /// Reads up to `destination.count` bytes at `offset`; fewer only at the end of the file.
    private func read(_ destination: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        var done = 0
        while done < destination.count {
            let n: Int
            do {
                n = try descriptor.read(  // retried on EINTR
                    fromAbsoluteOffset: Int64(offset + done), into: UnsafeMutableRawBufferPointer(rebasing: destination[done...]))
            } catch {
                let reason = "\(error)"
                throw FaceDBError(.io, "Cannot read \(path): \(reason).", remedy: "Check the file.", path: path, cause: reason)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
