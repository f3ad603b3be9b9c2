import FaceDBCore
import Foundation

/// The first line of a database dump (`facedb export --format jsonl`; `Schemas/dump.schema.json`):
/// what the database was, so that importing the dump into an empty database makes the same one.
public struct DumpHeader: Sendable {
    /// The line number in the file.
    public var row: Int
    /// The dump layout's version (1).
    public var version: Int
    /// The embedding space the faces belong to.
    public var space: EmbeddingSpace
    /// The index configuration.
    public var index: IndexConfiguration?
    /// The stored operating point, as JSON (decoded by the database, which defines its type).
    public var calibration: JSONValue?

    /// The layout version this code writes and reads.
    public static let version = 1

    /// Makes a header.
    public init(row: Int, space: EmbeddingSpace, index: IndexConfiguration?, calibration: JSONValue?, version: Int = DumpHeader.version) {
        self.row = row
        self.version = version
        self.space = space
        self.index = index
        self.calibration = calibration
    }
}

/// An identity line of a dump: the identity's id, display name, galleries and metadata.
public struct IdentityRow: Sendable, Hashable {
    /// The line number in the file.
    public var row: Int
    /// The identity id.
    public var identity: String
    /// The display name.
    public var displayName: String?
    /// The galleries it is in, sorted.
    public var galleries: [String]
    /// Its metadata (an object).
    public var metadata: JSONValue

    /// Makes an identity line.
    public init(row: Int, identity: String, displayName: String?, galleries: [String], metadata: JSONValue) {
        self.row = row
        self.identity = identity
        self.displayName = displayName
        self.galleries = galleries
        self.metadata = metadata
    }
}

extension JSONValue {
    /// `value` encoded as JSON and read back as a JSON value (for Codable types in dump lines).
    package static func encoding<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
    }

    /// This JSON value decoded as `T`.
    package func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(description.utf8))
    }
}
