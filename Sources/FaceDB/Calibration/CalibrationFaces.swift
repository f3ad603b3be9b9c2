/// The faces a calibration measures: their vectors, which identity (by index) each belongs to, and
/// the photo each came from.
struct CalibrationFaces {
    private(set) var vectors: [[Float]] = []
    private(set) var owner: [Int] = []
    private(set) var photo: [String?] = []

    var count: Int { vectors.count }

    mutating func append(_ vector: [Float], owner: Int, photo: String?) {
        vectors.append(vector)
        self.owner.append(owner)
        self.photo.append(photo)
    }

    /// Whether the pair measures anything: not two copies of one vector, not two faces of one photo
    /// (a photo enrolled twice, or under two identities, would score as a perfect match).
    func isMeasurable(_ i: Int, _ j: Int) -> Bool {
        if let a = photo[i], a == photo[j] { return false }
        return vectors[i] != vectors[j]
    }

    /// Roughly how many faces, each of a different person, give `pairs` impostor pairs (n(n-1)/2).
    static func facesNeeded(forImpostorPairs pairs: Int) -> Int {
        Int((0.5 + (0.25 + 2 * Double(pairs)).squareRoot()).rounded(.up))
    }
}
