/// The 64-bit id of a stored face. It is also the face's label in the vector index.
///
/// Ids are non-negative; FAISS reserves -1 for "no result". A caller may choose any id in
/// ``chosenRange`` (0 ... 2^62 − 1); ids the database assigns continue above the largest id ever
/// stored, so above that range there are still 2^62 ids to assign, and no id arithmetic can overflow.
public struct FaceID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The largest id a caller may choose: 2^62 − 1 (4,611,686,018,427,387,903).
    public static let maximumChosen: Int64 = (1 << 62) - 1
    /// The ids a caller may choose.
    public static let chosenRange: ClosedRange<Int64> = 0...maximumChosen
    /// The bound of assigned ids: the counter of the next id never passes it, so the largest id the
    /// database assigns is `Int64.max − 1`; a write that would need more is refused.
    public static let maximumAssigned: Int64 = .max

    /// Refuses an id outside ``chosenRange`` with `.invalidArgument`.
    public static func validateChosen(_ id: Int64) throws {
        guard chosenRange.contains(id) else {
            throw FaceDBError(
                .invalidArgument,
                "Face id \(id) is outside the range of ids a caller may choose (0 to \(maximumChosen)).",
                remedy: "Use a face id from 0 to 2^62 − 1, or leave it out to let the database assign one.",
                faceID: FaceID(id))
        }
    }

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
