import FaceDBCore
import FaceDBIndex

/// The index snapshot reader (`IndexSnapshot.parse`): header, configuration and tuning JSON, and
/// the FAISS payload decoder in `CFaiss`. The first byte picks the mode:
/// - even: the rest is the file as is (mostly stops at the checksum, which is the point: any
///   damage must be caught there);
/// - odd: the rest is the file without its last 8 bytes, and the harness appends a valid
///   checksum, so that mutations reach the parser and the payload decoder.
/// A snapshot that parses is then searched, counted and serialized again.
enum SnapshotHarness {
    static func parse(_ input: [UInt8]) throws {
        guard let mode = input.first else { return }
        let rest = Array(input.dropFirst())
        let file = mode & 1 == 1 ? IndexSnapshot.sealed(rest) : rest
        let index = try file.withUnsafeBytes { try IndexSnapshot.parse($0, path: "fuzz.snapshot") }.index
        _ = index.count
        _ = index.estimatedMemoryBytes
        _ = index.unreachableCount
        if index.count > 0, index.dimension <= 4096 {
            let query = (0..<index.dimension).map { Float($0 % 7) * 0.25 - 0.5 }
            let hits = try index.search(query, k: 3)
            precondition(hits.count == 1 && hits[0].count <= 3, "search returned \(hits.map(\.count)) hits")
        }
        _ = try index.serialized()
    }
}
