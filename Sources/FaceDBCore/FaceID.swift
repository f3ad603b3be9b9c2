/// The 64-bit id of a stored face. It is also the face's label in the vector index.
///
/// Ids are non-negative; FAISS reserves -1 for "no result".
public struct FaceID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id as stored.
    public var rawValue: Int64
    /// Wraps a raw id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps a raw id.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by raw value.
    public static func < (a: FaceID, b: FaceID) -> Bool { a.rawValue < b.rawValue }
    /// The decimal id.
    public var description: String { String(rawValue) }

    /// Encodes as a bare number.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// Decodes from a bare number.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
}
