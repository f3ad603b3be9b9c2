import Foundation

/// A point in image pixel coordinates.
public struct Point: Codable, Hashable, Sendable {
    /// Pixels from the left edge.
    public var x: Double
    /// Pixels from the top edge.
    public var y: Double
    /// Makes a point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// Where a face came from: the photo and what the detector saw.
public struct FaceSource: Codable, Hashable, Sendable {
    /// The photo's path as given when enrolling.
    public var path: String?
    /// The SHA-256 of the photo file, in hex.
    public var imageSHA256: String?
    /// The detection box `[left, top, right, bottom]` in pixels.
    public var box: [Double]?
    /// The landmarks in pixels.
    public var landmarks: [Point]?
    /// Quality measurements by name (e.g. `"sharpness"`, `"confidence"`).
    public var quality: [String: Double]?
    /// The aligned face chip as a base64 PNG, stored only when asked for (it is a photo of a person).
    public var chipPNG: String?

    /// Makes a source description.
    public init(
        path: String? = nil, imageSHA256: String? = nil, box: [Double]? = nil,
        landmarks: [Point]? = nil, quality: [String: Double]? = nil, chipPNG: String? = nil
    ) {
        self.path = path
        self.imageSHA256 = imageSHA256
        self.box = box
        self.landmarks = landmarks
        self.quality = quality
        self.chipPNG = chipPNG
    }

    enum CodingKeys: String, CodingKey {
        case path, box, landmarks, quality
        case imageSHA256 = "image_sha256"
        case chipPNG = "chip_png"
    }
}

/// A face to be added: which identity it belongs to and its embedding.
public struct NewFace: Sendable {
    /// The identity's external id.
    public var identity: String
    /// The embedding, as produced by the model.
    public var embedding: [Float]
    /// A caller-chosen face id, or nil to let the database assign one.
    public var id: FaceID?
    /// Where the face came from.
    public var source: FaceSource?
    /// Free-form metadata (a JSON object).
    public var metadata: JSONValue?

    /// Describes a face to add.
    public init(identity: String, embedding: [Float], id: FaceID? = nil, source: FaceSource? = nil, metadata: JSONValue? = nil) {
        self.identity = identity
        self.embedding = embedding
        self.id = id
        self.source = source
        self.metadata = metadata
    }
}

/// A stored face.
public struct Face: Hashable, Sendable {
    /// The face's id (its index label).
    public var id: FaceID
    /// The identity it belongs to.
    public var identity: String
    /// The stored embedding (normalized if the space normalizes).
    public var embedding: [Float]
    /// Where it came from.
    public var source: FaceSource?
    /// Its metadata.
    public var metadata: JSONValue?
    /// When it was added.
    public var created: Date

    /// Makes a face value.
    public init(id: FaceID, identity: String, embedding: [Float], source: FaceSource?, metadata: JSONValue?, created: Date) {
        self.id = id
        self.identity = identity
        self.embedding = embedding
        self.source = source
        self.metadata = metadata
        self.created = created
    }
}

/// One face returned by a search, scored exactly against its stored vector.
public struct FaceMatch: Hashable, Sendable {
    /// The face.
    public var faceID: FaceID
    /// The identity the face belongs to.
    public var identity: String
    /// The exact score in the metric's natural unit: Euclidean distance for L2 (smaller is closer),
    /// cosine similarity or inner product otherwise (larger is closer).
    public var score: Float

    /// Makes a match.
    public init(faceID: FaceID, identity: String, score: Float) {
        self.faceID = faceID
        self.identity = identity
        self.score = score
    }
}
