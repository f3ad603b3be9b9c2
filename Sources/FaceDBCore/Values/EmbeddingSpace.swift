/// The embedding space a database is bound to at creation: which model produced the vectors,
/// their dimension, how they are compared and whether they are normalized on insert.
public struct EmbeddingSpace: Codable, Hashable, Sendable {
    /// The model's name, e.g. `"dlib_face_recognition_resnet_model_v1"`.
    public var model: String
    /// The number of floats in every embedding.
    public var dimension: Int
    /// How embeddings are compared.
    public var metric: Metric
    /// Whether vectors are scaled to unit length before they are stored and queried.
    /// Always true for ``Metric/cosine``.
    public var normalize: Bool

    /// The largest dimension accepted.
    public static let maximumDimension = 65_536

    /// Describes a space; cosine always normalizes.
    public init(model: String, dimension: Int, metric: Metric, normalize: Bool = false) {
        self.model = model
        self.dimension = dimension
        self.metric = metric
        self.normalize = normalize || metric == .cosine
    }

    /// The dlib ResNet face descriptor space: 128-D, Euclidean, unnormalized.
    public static let dlibResNet = EmbeddingSpace(
        model: "dlib_face_recognition_resnet_model_v1", dimension: 128, metric: .l2)

    /// Checks the description itself (not a vector).
    public func validate() throws {
        guard !model.isEmpty, model.utf8.count <= 256 else {
            throw FaceDBError(
                .invalidArgument, "The model name must be 1 to 256 bytes long.",
                remedy: "Name the model that produces the embeddings, e.g. --model arcface-r100.")
        }
        guard (1...Self.maximumDimension).contains(dimension) else {
            throw FaceDBError(
                .invalidArgument, "The dimension \(dimension) is out of range.",
                remedy: "Give the embedding length of the model, between 1 and \(Self.maximumDimension).")
        }
    }

    /// How far from 1 a vector's squared norm may be for ``prepare(_:what:)`` to take it as already normalized.
    public static let unitTolerance: Double = 1e-6

    /// Checks a vector against the space and returns it as stored: normalized when the space says so.
    ///
    /// - Throws: ``FaceDBError/Code/dimensionMismatch`` for a wrong length,
    ///   ``FaceDBError/Code/invalidVector`` for NaN, infinities, or a zero vector that must be normalized.
    public func prepare(_ vector: [Float], what: String = "embedding") throws -> [Float] {
        guard vector.count == dimension else {
            throw FaceDBError.dimensionMismatch(expected: dimension, given: vector.count, what: what)
        }
        if let i = Self.firstNonFinite(vector) {
            throw FaceDBError(
                .invalidVector, "The \(what) holds \(vector[i]) at position \(i).",
                remedy: "Every component must be a finite number; check the model's output.")
        }
        guard normalize else { return vector }
        var sumSquares: Double = 0
        for x in vector { sumSquares += Double(x) * Double(x) }
        guard sumSquares > 0 else {
            throw FaceDBError(
                .invalidVector, "The \(what) is all zeros and cannot be normalized.",
                remedy: "A zero vector has no direction for \(metric.rawValue) comparison; check the model's output.")
        }
        // Already unit length (as every exported or model-normalized vector is): store it as given,
        // so that normalizing is idempotent and an export imports back bit for bit.
        if abs(sumSquares - 1) <= Self.unitTolerance { return vector }
        let scale = Float(1 / sumSquares.squareRoot())
        return vector.map { $0 * scale }
    }

    /// The position of the first NaN or infinity in `vector`, if any. The common case, all finite,
    /// is one pass without branches: the largest exponent field, all ones only for NaN and infinity.
    static func firstNonFinite(_ vector: [Float]) -> Int? {
        let exponent: UInt32 = 0x7F80_0000
        let largest = vector.withUnsafeBufferPointer { b in b.reduce(UInt32(0)) { max($0, $1.bitPattern & exponent) } }
        return largest == exponent ? vector.firstIndex { !$0.isFinite } : nil
    }

    /// The metric's score between two prepared vectors: Euclidean distance for L2 (smaller is
    /// closer), the dot product otherwise (cosine similarity for normalized vectors; larger is closer).
    public func score(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "score of vectors of different lengths")
        var acc: Float = 0
        if metric == .l2 {
            for i in a.indices {
                let d = a[i] - b[i]
                acc += d * d
            }
            return acc.squareRoot()
        }
        for i in a.indices { acc += a[i] * b[i] }
        return acc
    }
}
