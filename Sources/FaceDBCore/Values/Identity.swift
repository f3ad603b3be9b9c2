import Foundation

/// A person known to the database.
public struct Identity: Codable, Hashable, Sendable {
    /// The unique external id chosen by the caller (1 to 512 bytes of UTF-8, no NUL).
    public var id: String
    /// An optional human-readable name.
    public var displayName: String?
    /// Free-form metadata; always a JSON object.
    public var metadata: JSONValue
    /// Galleries (tags) this identity belongs to; searches can be limited to some of them.
    public var galleries: [String]
    /// When the identity was created.
    public var created: Date
    /// When the identity or its faces last changed.
    public var updated: Date
    /// How many faces are stored for it.
    public var faceCount: Int

    /// Makes an identity value.
    public init(
        id: String, displayName: String? = nil, metadata: JSONValue = .emptyObject, galleries: [String] = [],
        created: Date = Date(), updated: Date = Date(), faceCount: Int = 0
    ) {
        self.id = id
        self.displayName = displayName
        self.metadata = metadata
        self.galleries = galleries
        self.created = created
        self.updated = updated
        self.faceCount = faceCount
    }

    /// The longest identity id, in UTF-8 bytes.
    public static let maximumIDLength = 512

    /// Checks an identity id (or a gallery name, with `what: "gallery"`).
    public static func validate(id: String, what: String = "identity id") throws {
        let bytes = id.utf8
        guard !bytes.isEmpty else {
            throw FaceDBError(.invalidArgument, "The \(what) is empty.", remedy: "Give a non-empty \(what).")
        }
        guard bytes.count <= maximumIDLength else {
            throw FaceDBError(
                .invalidArgument, "The \(what) is \(bytes.count) bytes long; at most \(maximumIDLength) are allowed.",
                remedy: "Use a shorter \(what) and keep long text in metadata.", identity: id)
        }
        guard !bytes.contains(0) else {
            throw FaceDBError(
                .invalidArgument, "The \(what) contains a NUL character.",
                remedy: "Remove the NUL character.", identity: id)
        }
    }

    /// Checks that metadata is a JSON object.
    public static func validate(metadata: JSONValue) throws {
        guard metadata.objectValue != nil else {
            throw FaceDBError(
                .invalidArgument, "Metadata must be a JSON object, not \(metadata).",
                remedy: "Wrap the value in an object, e.g. {\"note\": ...}.")
        }
    }
}
