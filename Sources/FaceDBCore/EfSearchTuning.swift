import Foundation

/// The outcome of tuning an HNSW index's efSearch to a recall target (see
/// ``IndexConfiguration/recallTarget``): which value was chosen, the recall measured with it, and
/// the index size it was measured at.
///
/// Stored in the index snapshot (`Schemas/index-snapshot.md`), so that opening a database does not
/// tune again; the index is tuned again once it holds twice ``faces``.
public struct EfSearchTuning: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The chosen efSearch: the smallest of ``IndexConfiguration/efSearchCandidates`` whose recall
    /// reached ``target``, or the largest when none did.
    public var efSearch: Int
    /// The recall@10 measured at ``efSearch``: the fraction of each sampled face's 10 exact nearest
    /// other faces that the HNSW search found (the face itself left out of both).
    public var recall: Double
    /// The recall@10 aimed for.
    public var target: Double
    /// Live vectors in the index when it was measured.
    public var faces: Int
    /// How many stored faces served as queries.
    public var sampleSize: Int
    /// How long the tuning took, in seconds.
    public var seconds: Double

    /// Describes a tuning result.
    public init(efSearch: Int, recall: Double, target: Double, faces: Int, sampleSize: Int, seconds: Double) {
        self.efSearch = efSearch
        self.recall = recall
        self.target = target
        self.faces = faces
        self.sampleSize = sampleSize
        self.seconds = seconds
    }

    /// Whether the measured recall reached the target.
    public var reachedTarget: Bool { recall >= target }

    /// E.g. `256 (tuned: recall 0.983 at 1000000 faces)`.
    public var summary: String {
        let recallText = String(format: "%.3f", recall)
        let missed = reachedTarget ? "" : String(format: ", below the target %.3f", target)
        return "\(efSearch) (tuned: recall \(recallText) at \(faces) faces\(missed))"
    }

    /// E.g. `efSearch 256 (tuned: recall 0.983 at 1000000 faces)`.
    public var description: String { "efSearch " + summary }
}
