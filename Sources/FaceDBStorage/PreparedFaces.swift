import FaceDBCore
import Foundation

/// New faces checked against an embedding space, their vectors as stored, ready for
/// ``FaceStore/addFaces(_:createMissingIdentities:existing:mark:)``.
///
/// Preparing is pure and may run on any thread, so a bulk import prepares the next batch while the
/// store writes the previous one.
package struct PreparedFaces: Sendable {
    /// How many faces.
    package var count: Int { identities.count }
    /// No faces.
    package static let empty = PreparedFaces(identities: [], ids: [], vectors: [], byIdentity: [], createdMs: 0, details: [:], dimension: 0)

    private init(
        identities: [String], ids: [FaceID?], vectors: [Float], byIdentity: [Int], createdMs: Int64, details: [Int: [UInt8]], dimension: Int
    ) {
        self.identities = identities
        self.ids = ids
        self.vectors = vectors
        self.byIdentity = byIdentity
        self.createdMs = createdMs
        self.details = details
        self.dimension = dimension
        encodedBytes = Self.encodedBytes(identities, details: details, dimension: dimension)
    }

    /// The bytes of the `faces` row values of faces of `identities` with `details`.
    private static func encodedBytes(_ identities: [String], details: [Int: [UInt8]], dimension: Int) -> Int {
        identities.indices.reduce(0) { sum, i in
            sum + FaceRecord.encodedSize(identityBytes: identities[i].utf8.count, detailsBytes: details[i]?.count ?? 0, dimension: dimension)
        }
    }
    /// The identity of each face.
    let identities: [String]
    /// The caller-chosen id of each face, if any.
    let ids: [FaceID?]
    /// The vectors as stored (normalized if the space says so), row-major.
    package let vectors: [Float]
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
    package init(_ faces: [NewFace], space: EmbeddingSpace, createdMs: Int64? = nil) throws {
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
        let names = faces.map(\.identity)
        identities = names
        ids = faces.map(\.id)
        byIdentity = order
        self.createdMs = createdMs
        self.details = details
        self.dimension = dim
        encodedBytes = Self.encodedBytes(names, details: details, dimension: dim)
    }

    /// Calls `body` with the `faces` row value of face `i` (see `Schemas/keyspace.md`), encoded from
    /// ``vectors`` into a temporary buffer (on the stack for rows without large details).
    ///
    /// Rows are encoded as they are written, not when the faces are prepared: a prepared batch held
    /// all its rows too, a second copy of its vectors (17.5 MiB next to 16 MiB at 32768 × 128-D),
    /// and a bulk import holds a batch being written, one waiting and one being prepared. Peak RSS
    /// of `facedb import` of 1M × 128-D: 659–663 MiB against 689–690 MiB in alternating runs
    /// (`BENCHMARKS.md`, "Memory", issue 17). The encoding is two block copies a row, on the two
    /// table-writing threads.
    func withValue<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var identity = identities[i]
        let json = details[i] ?? []
        return try identity.withUTF8 { id in
            let size = FaceRecord.encodedSize(identityBytes: id.count, detailsBytes: json.count, dimension: dimension)
            return try withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { raw in
                vectors.withUnsafeBufferPointer { v in
                    FaceRecord.encode(
                        identity: UnsafeRawBufferPointer(id), createdMs: createdMs, detailsJSON: json,
                        vector: UnsafeBufferPointer(rebasing: v[(i * dimension)..<((i + 1) * dimension)]), into: raw)
                }
                return try body(UnsafeRawBufferPointer(raw))
            }
        }
    }

    /// Prepared faces built a part at a time: each part is checked and its vectors stored as it is
    /// added, so that the caller can free the part's faces (an array per embedding) before reading
    /// the next. A bulk import's reader holds 32768 rows at a time otherwise (about 20 MiB at 128-D)
    /// next to the batch it prepares, the one waiting and the one being written.
    package struct Builder {
        private let space: EmbeddingSpace
        private let createdMs: Int64
        private var identities: [String] = []
        private var ids: [FaceID?] = []
        private var vectors: [Float] = []
        private var details: [Int: [UInt8]] = [:]

        /// How many faces were added.
        package var count: Int { identities.count }

        /// Starts with no faces, with room for `capacity` (address space until vectors arrive).
        /// - Parameter createdMs: the creation time recorded for every face, ms since 1970 (nil: now).
        package init(space: EmbeddingSpace, capacity: Int, createdMs: Int64? = nil) {
            self.space = space
            self.createdMs = createdMs ?? Date().milliseconds
            identities.reserveCapacity(capacity)
            ids.reserveCapacity(capacity)
            vectors.reserveCapacity(capacity * space.dimension)
        }

        /// Checks `faces` and stores their vectors after those added before; one bad face refuses
        /// them all (and leaves the builder as it was). Errors name faces by position among all added.
        package mutating func append(_ faces: [NewFace]) throws {
            let dim = space.dimension, start = identities.count, old = vectors.count
            let parts = faces.count >= PreparedFaces.parallelThreshold ? 2 : 1
            let bounds = (0...parts).map { faces.count * $0 / parts }
            vectors.append(contentsOf: repeatElement(0, count: faces.count * dim))
            let results: [[Int: [UInt8]]]
            do {
                results = try vectors.withUnsafeMutableBufferPointer { buffer in
                    // The parts write disjoint rows of the one buffer.
                    let all = buffer.baseAddress.map(SharedPointer.init)
                    return try ConcurrentMap.map(parts) { [space, createdMs] part in
                        let slice = faces[bounds[part]..<bounds[part + 1]]
                        let into = UnsafeMutableBufferPointer(start: all.map { $0.base + old + bounds[part] * dim }, count: slice.count * dim)
                        return try PreparedFaces.encode(slice, space: space, createdMs: createdMs, vectors: into, offset: start)
                    }
                }
            } catch {
                vectors.removeLast(faces.count * dim)
                throw error
            }
            for part in results { details.merge(part) { a, _ in a } }
            identities += faces.lazy.map(\.identity)
            ids += faces.lazy.map(\.id)
        }

        /// The faces added, prepared.
        package func finish() -> PreparedFaces {
            PreparedFaces(
                identities: identities, ids: ids, vectors: vectors, byIdentity: PreparedFaces.identityOrder(identities),
                createdMs: createdMs, details: details, dimension: space.dimension)
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
    static func identityOrder(_ faces: [NewFace]) -> [Int] { identityOrder(faces.map(\.identity)) }

    /// Indices of `faces` (identities) ordered bytewise, then by position.
    static func identityOrder(_ faces: [String]) -> [Int] {
        // Every identity's bytes in one buffer.
        var bytes = [UInt8](), starts = [Int]()
        starts.reserveCapacity(faces.count + 1)
        for face in faces {
            starts.append(bytes.count)
            bytes += face.utf8
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
    /// `offset` is added to every position (faces added to a ``Builder`` before these).
    private static func encode(
        _ faces: ArraySlice<NewFace>, space: EmbeddingSpace, createdMs: Int64, vectors: UnsafeMutableBufferPointer<Float>,
        offset: Int = 0
    ) throws -> [Int: [UInt8]] {
        let dim = space.dimension
        var details: [Int: [UInt8]] = [:]
        for (n, (at, f)) in zip(faces.indices, faces).enumerated() {
            let i = offset + at
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
