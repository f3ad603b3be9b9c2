#if canImport(Glibc)
    import Glibc
#endif

/// Free space on the file system of a path, and the check that keeps FaceDB's writes clear of a
/// full disk.
///
/// Why a check ahead of time instead of handling the error: Debian's librocksdb (7.8) is built with
/// assertions, and a write-ahead log or table file that failed with ENOSPC aborts the process
/// (`WritableFileWriter::AssertFalseAndGetStatusForPrevError`, exit 134) at its next sync or close,
/// losing the chance to report anything. So no RocksDB write starts unless the disk has room for it,
/// for the memtables it may have to flush, and a reserve for RocksDB's own small files.
public enum DiskSpace {
    /// The bytes a database keeps free by default: room for RocksDB's manifest, options and log
    /// files and a compaction's first outputs, beyond what a write and a flush of the memtables need.
    public static let defaultReserve = 64 << 20

    /// The bytes an unprivileged writer can still use on the file system holding `path` (the path
    /// or, when it does not exist yet, its nearest existing ancestor), or nil if that cannot be told.
    public static func available(at path: String) -> Int? {
        var probe = path.isEmpty ? "." : path
        while true {
            var info = statvfs()
            if statvfs(probe, &info) == 0 { return Int(info.f_bavail) &* Int(info.f_frsize) }
            guard errno == ENOENT, let slash = probe.lastIndex(of: "/") else { return nil }
            probe = slash == probe.startIndex ? "/" : String(probe[..<slash])
        }
    }

    /// Throws ``FaceDBError/Code/diskFull`` unless the file system of `path` has `needed` bytes
    /// free beyond `reserve`. Unknown free space (statvfs failed) passes: the write then reports its own error.
    ///
    /// - Parameter what: what would be written, for the message ("this write", "the index snapshot").
    public static func require(_ needed: Int, reserve: Int, at path: String, for what: String) throws {
        guard let free = available(at: path) else { return }
        guard free < needed &+ reserve else { return }
        throw FaceDBError(
            .diskFull,
            "The disk holding \(path) is full: \(megabytes(free)) free, and \(what) needs \(megabytes(needed)) plus a reserve of \(megabytes(reserve)). Nothing was written.",
            remedy:
                "Free space on that disk (or lower DatabaseOptions.diskReserve), then run the command again; everything acknowledged before is stored.",
            path: path)
    }

    /// `12.3 MiB`.
    static func megabytes(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return mib < 10 ? "\((mib * 10).rounded() / 10) MiB" : "\(Int(mib.rounded())) MiB"
    }
}
