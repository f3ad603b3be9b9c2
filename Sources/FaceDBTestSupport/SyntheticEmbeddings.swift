/// Clustered synthetic embeddings: a few faces per "person" around that person's centre,
/// the shape of a real face gallery (tight identities, spread-out population).
public struct SyntheticEmbeddings: Sendable {
    /// Vector length.
    public let dimension: Int
    /// Number of identities (cluster centres).
    public let identities: Int
    /// Spread of faces around their identity's centre, relative to the spread of centres.
    public let withinSpread: Float
    /// The centres, row-major `identities × dimension`.
    public let centres: [Float]

    /// Draws `identities` centres from `generator`.
    public init(dimension: Int, identities: Int, withinSpread: Float = 0.25, generator: inout SeededGenerator) {
        self.dimension = dimension
        self.identities = identities
        self.withinSpread = withinSpread
        var centres = [Float](repeating: 0, count: dimension * identities)
        for i in centres.indices { centres[i] = generator.nextGaussian() }
        self.centres = centres
    }

    /// One face of identity `identity`: its centre plus Gaussian noise.
    public func face(of identity: Int, generator: inout SeededGenerator) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let base = identity * dimension
        for j in 0..<dimension {
            v[j] = centres[base + j] + withinSpread * generator.nextGaussian()
        }
        return v
    }

    /// `count` faces of random identities, row-major, with the identity of each row.
    public func faces(count: Int, generator: inout SeededGenerator) -> (vectors: [Float], owners: [Int]) {
        var vectors = [Float]()
        vectors.reserveCapacity(count * dimension)
        var owners = [Int]()
        owners.reserveCapacity(count)
        for _ in 0..<count {
            let who = Int(generator.next() % UInt64(identities))
            owners.append(who)
            vectors.append(contentsOf: face(of: who, generator: &generator))
        }
        return (vectors, owners)
    }
}
