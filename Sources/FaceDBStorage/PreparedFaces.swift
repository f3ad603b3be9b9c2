import FaceDBCore
import Foundation

/// New faces checked against an embedding space, their vectors as stored, ready for
/// ``FaceStore/addFaces(_:createMissingIdentities:existing:mark:)``.
///
/// Preparing is pure and may run on any thread, so a bulk import prepares the next batch while the
/// store writes the previous one.
public struct PreparedFaces: Sendable {
    /// How many faces.
    public var count: Int { identities.count }
    /// No faces.
    public static let empty = PreparedFaces(identities: [], ids: [], vectors: [], byIdentity: [])

    private init(identities: [String], ids: [FaceID?], vectors: [Float], byIdentity: [Int]) {
        self.identities = identities
        self.ids = ids
        self.vectors = vectors
        self.byIdentity = byIdentity
        createdMs = 0
        details = [:]
        dimension = 0
        encodedBytes = 0
    }
    /// The identity of each face.
    let identities: [String]
    /// The caller-chosen id of each face, if any.
    let ids: [FaceID?]
    /// The vectors as stored (normalized if the space says so), row-major.
    public let vectors: [Float]
    /// The creation time of every face, ms since 1970.
    private let createdMs: Int64
    /// The details JSON of the faces that have a source or metadata, by position (most have none).
    private let details: [Int: [UInt8]]
    /// Floats per vector.
    private let dimension: Int
    /// The bytes of every face's `faces` row value together.
    let encodedBytes: Int
    /// Face indices ordered by identity (bytewise) and, for equal identities, by position: the
    /// order of their `identity_faces` keys when ids ascend with position.
    let byIdentity: [Int]

    /// Checks `faces` for `space` and stores their vectors; one bad face refuses them all.
    /// - Parameter createdMs: the creation time recorded for every face, ms since 1970 (nil: now).
    /// - Throws: `.invalidArgument` (identity, metadata, an id outside ``FaceID/chosenRange``), `.dimensionMismatch`,
    ///   `.invalidVector`, naming the face.
    public init(_ faces: [NewFace], space: EmbeddingSpace, createdMs: Int64? = nil) throws {
        let createdMs = createdMs ?? Date().milliseconds
        // Large writes are checked and encoded in two halves at once (each face is independent),
        // while a third task orders the faces by identity; the first bad face, by position, is the
        // one reported either way. Each half writes its vectors straight into their place in the one
        // array of all of them.
        let parts = faces.count >= Self.parallelThreshold ? 2 : 1
        let bounds = (0...parts).map { faces.count * $0 / parts }
        let dim = space.dimension
        var details = [Int: [UInt8]](), order = [Int]()
        vectors = try [Float](unsafeUninitializedCapacity: faces.count * dim) { buffer, initialized in
            // The halves write disjoint rows of the one buffer.
            let all = buffer.baseAddress.map(SharedPointer.init)
            let results = try ConcurrentMap.map(parts + 1) { part -> Part in
                guard part < parts else { return .order(Self.identityOrder(faces)) }
                let slice = faces[bounds[part]..<bounds[part + 1]]
                let into = UnsafeMutableBufferPointer(start: all.map { $0.base + bounds[part] * dim }, count: slice.count * dim)
                return .encoded(try PreparedFaces.encode(slice, space: space, createdMs: createdMs, vectors: into))
            }
            // Every task finished without throwing: all vectors are written (Float needs no cleanup otherwise).
            initialized = faces.count * dim
            for result in results {
                switch result {
                case .encoded(let d): details.merge(d) { a, _ in a }
                case .order(let o): order = o
                }
            }
        }
        identities = faces.map(\.identity)
        ids = faces.map(\.id)
        byIdentity = order
        self.createdMs = createdMs
        self.details = details
        self.dimension = dim
        encodedBytes = faces.indices.reduce(0) { sum, i in
            sum + FaceRecord.encodedSize(identityBytes: faces[i].identity.utf8.count, detailsBytes: details[i]?.count ?? 0, dimension: dim)
        }
    }

    /// Calls `body` with the `faces` row value of face `i` (see `Schemas/keyspace.md`), encoded from
    /// ``vectors`` into a temporary buffer (on the stack for rows without large details).
    ///
    /// Rows are encoded as they are written, not when the faces are prepared: a prepared batch held
    /// all its rows too, a second copy of its vectors (17.5 MiB next to 16 MiB at 32768 × 128-D),
    /// and a bulk import holds a batch being written, one waiting and one being prepared. Peak RSS
    /// of `facedb import` of 1M × 128-D: see `BENCHMARKS.md`, "Memory" (issue 17).
    func withValue<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var identity = identities[i]
        let json = details[i] ?? []
        return try identity.withUTF8 { id in
            let size = FaceRecord.encodedSize(identityBytes: id.count, detailsBytes: json.count, dimension: dimension)
            return try withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { raw in
                vectors.withUnsafeBufferPointer { v in
                    FaceRecord.encode(identity: UnsafeRawBufferPointer(id), createdMs: createdMs, detailsJSON: json,
                                      vector: UnsafeBufferPointer(rebasing: v[(i * dimension)..<((i + 1) * dimension)]), into: raw)
                }
                return try body(UnsafeRawBufferPointer(raw))
            }
        }
    }

    /// What one task of ``init(_:space:createdMs:)`` produced.
    private enum Part {
        /// The details JSON of the part's faces that have any, by position in the whole write.
        case encoded([Int: [UInt8]])
        case order([Int])
    }

    /// Face indices ordered by identity (bytewise), then by position (see ``byIdentity``).
    ///
    /// Sorts on integers first: the 8 bytes of each identity that follow the prefix all of them share
    /// (ids such as `person-123` or `user:…` often have one), read as a big-endian number. Identities
    /// never hold a NUL byte (``Identity/validate(id:what:)``), so padding a short one with zeros puts
    /// it first, as bytewise order does. Only equal numbers compare the rest of the bytes.
    static func identityOrder(_ faces: [NewFace]) -> [Int] {
        // Every identity's bytes in one buffer.
        var bytes = [UInt8](), starts = [Int]()
        starts.reserveCapacity(faces.count + 1)
        for face in faces {
            starts.append(bytes.count)
            bytes += face.identity.utf8
        }
        starts.append(bytes.count)
        return bytes.withUnsafeBufferPointer { b in
            let length = { (i: Int) in starts[i + 1] - starts[i] }
            // The length of the prefix every identity shares.
            var shared = faces.isEmpty ? 0 : length(0)
            for i in faces.indices.dropFirst() {
                var n = 0
                while n < min(shared, length(i)), b[starts[i] + n] == b[n] { n += 1 }
                shared = n
            }
            let keyed = faces.indices.map { i -> (key: UInt64, index: Int) in
                var key: UInt64 = 0
                for n in shared..<(shared + 8) { key = key << 8 | (n < length(i) ? UInt64(b[starts[i] + n]) : 0) }
                return (key, i)
            }
            let rest = shared + 8
            return keyed.sorted { x, y in
                if x.key != y.key { return x.key < y.key }
                let lx = length(x.index), ly = length(y.index)
                let common = min(lx, ly) - rest
                if common > 0 {
                    let order = memcmp(b.baseAddress! + starts[x.index] + rest, b.baseAddress! + starts[y.index] + rest, common)
                    if order != 0 { return order < 0 }
                }
                return lx != ly ? lx < ly : x.index < y.index
            }.map(\.index)
        }
    }

    /// From this many faces on, preparing uses two threads.
    static let parallelThreshold = 4096

    /// Checks `faces` (positions as in the whole write) and writes their vectors as stored to
    /// `vectors` (`faces.count × dimension` floats); returns the details JSON of those that have any,
    /// by position. `n` counts faces from the slice's start.
    private static func encode(
        _ faces: ArraySlice<NewFace>, space: EmbeddingSpace, createdMs: Int64, vectors: UnsafeMutableBufferPointer<Float>
    ) throws -> [Int: [UInt8]] {
        let dim = space.dimension
        var details: [Int: [UInt8]] = [:]
        for (n, (i, f)) in zip(faces.indices, faces).enumerated() {
            try Identity.validate(id: f.identity)
            if let m = f.metadata { try Identity.validate(metadata: m) }
            if let id = f.id { try FaceID.validateChosen(id.rawValue) }
            let vector: [Float]
            do {
                vector = try space.prepare(f.embedding)
            } catch var error as FaceDBError {
                error.message = "Face #\(i) of identity '\(f.identity)': " + error.message
                error.identity = f.identity
                throw error
            }
            _ = UnsafeMutableBufferPointer(rebasing: vectors[(n * dim)..<((n + 1) * dim)]).initialize(from: vector)
            if f.source != nil || f.metadata != nil {
                details[i] = try FaceRecord.detailsJSON(FaceDetails(source: f.source, metadata: f.metadata))
            }
        }
        return details
    }
}
