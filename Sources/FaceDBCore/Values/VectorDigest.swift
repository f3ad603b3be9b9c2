/// An order-independent checksum of a set of stored vectors: the wrapping sum, over the faces, of
/// XXH64 of each vector's float32 bytes seeded with the face id.
///
/// Because it is a sum, a write updates it from the faces it adds and removes alone (no rescan),
/// and two copies of the same faces agree however they were built. The store keeps one beside its
/// counters; the index keeps its own, from the vectors it holds; an index snapshot records its
/// index's. Opening compares the two, so an index snapshot that does not hold exactly the store's
/// vectors (another store's, an older or newer state) is rebuilt instead of trusted.
public struct VectorDigest: Hashable, Sendable, CustomStringConvertible {
    /// The sum.
    public private(set) var value: UInt64

    /// The digest of no vectors (0), or a stored value.
    public init(value: UInt64 = 0) { self.value = value }

    /// The term one face contributes.
    public static func term(id: Int64, vector: UnsafeBufferPointer<Float>) -> UInt64 {
        term(id: id, bytes: UnsafeRawBufferPointer(vector))
    }

    /// The term of a face whose vector is given as its float32 little-endian bytes (as stored).
    public static func term(id: Int64, bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXHash64.hash(bytes, seed: UInt64(bitPattern: id))
    }

    /// Adds a face.
    public mutating func add(id: Int64, vector: UnsafeBufferPointer<Float>) { value &+= Self.term(id: id, vector: vector) }

    /// Removes a face that was added.
    public mutating func remove(id: Int64, vector: UnsafeBufferPointer<Float>) { value &-= Self.term(id: id, vector: vector) }

    /// Adds `ids.count` faces whose vectors are consecutive rows of `vectors` (`dimension` floats each).
    public mutating func add(ids: [Int64], vectors: [Float], dimension: Int) {
        value &+= Self.sum(ids: ids, vectors: vectors, dimension: dimension)
    }

    /// Removes `ids.count` faces whose vectors are consecutive rows of `vectors`.
    public mutating func remove(ids: [Int64], vectors: [Float], dimension: Int) {
        value &-= Self.sum(ids: ids, vectors: vectors, dimension: dimension)
    }

    /// The sum of the terms of rows of `vectors`.
    public static func sum(ids: [Int64], vectors: [Float], dimension: Int) -> UInt64 {
        precondition(vectors.count == ids.count * dimension, "one row of `dimension` floats per id")
        return vectors.withUnsafeBufferPointer { all in
            var total: UInt64 = 0
            for (row, id) in ids.enumerated() {
                total &+= term(id: id, vector: UnsafeBufferPointer(rebasing: all[(row * dimension)..<((row + 1) * dimension)]))
            }
            return total
        }
    }

    /// Sixteen hexadecimal digits.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
