/// Two embeddings labelled as the same person or not, for ``FaceDatabase/calibrate(pairs:options:)-7c4ha``.
public struct EmbeddingPair: Sendable {
    /// The first embedding.
    public var a: [Float]
    /// The second embedding.
    public var b: [Float]
    /// Whether both are of the same person.
    public var same: Bool

    /// A labelled pair.
    public init(_ a: [Float], _ b: [Float], same: Bool) {
        self.a = a
        self.b = b
        self.same = same
    }
}
