/// The first bytes of a file that an import consumed, recorded by length and XXH64 hash so that a
/// later import can tell whether a file starts with exactly these bytes (see ``ImportMark``).
public struct FilePrefix: Sendable, Hashable {
    /// How many leading bytes ``headHash`` covers at most: a cheap first test that tells files
    /// apart by reading only their first 4 KiB.
    public static let headLength = 4096

    /// The length of the prefix in bytes.
    public var bytes: Int
    /// XXH64 (seed 0) of the first `min(bytes, headLength)` bytes.
    public var headHash: UInt64
    /// XXH64 (seed 0) of all `bytes` bytes.
    public var hash: UInt64

    /// Makes a prefix record.
    public init(bytes: Int, headHash: UInt64, hash: UInt64) {
        self.bytes = bytes
        self.headHash = headHash
        self.hash = hash
    }

    /// The prefix of no bytes.
    public static let empty = PrefixHasher().prefix
}

/// Hashes bytes as they pass, giving at any point the ``FilePrefix`` of everything seen so far.
package struct PrefixHasher {
    private var whole = XXHash64()
    private var head = XXHash64()
    private var count = 0

    /// Starts with no bytes.
    package init() {}

    /// Adds `bytes`, the next bytes of the file.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if count < FilePrefix.headLength {
            let take = min(FilePrefix.headLength - count, bytes.count)
            head.update(UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
        }
        whole.update(bytes)
        count += bytes.count
    }

    /// The prefix of every byte added so far.
    package var prefix: FilePrefix {
        FilePrefix(bytes: count, headHash: head.finalize(), hash: whole.finalize())
    }
}

/// How far an import has come through its files, stored atomically with each batch it writes (see
/// `Schemas/keyspace.md`, `import-mark/<key>`): the rows done and, for the embedding file and its
/// labels file, the bytes those rows were read from.
///
/// A later import of a file that starts with the same bytes (recognised by ``FilePrefix``) passes
/// over those rows: re-running an interrupted import goes on after them, and a finished file that
/// has had rows appended imports only the new rows.
public struct ImportMark: Sendable, Hashable {
    /// The key of the mark; every import run writes its own.
    public var key: String
    /// Rows of the file (stored, skipped or rejected) done once the write that holds the mark commits.
    public var rows: Int
    /// The prefixes read for those rows: the embedding file's, then the labels file's if there is one.
    public var files: [FilePrefix]

    /// Makes a mark.
    public init(key: String, rows: Int, files: [FilePrefix]) {
        self.key = key
        self.rows = rows
        self.files = files
    }

    /// A fresh key for the marks of a new import run: 16 random hex digits.
    public static func newKey() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
