import Foundation

/// The outcome of tuning an HNSW index's efSearch to a recall target (see
/// ``IndexConfiguration/recallTarget``): which value was chosen, the recall measured with it and
/// how precisely, and the index size it was measured at.
///
/// Stored in the index snapshot (`Schemas/index-snapshot.md`), so that opening a database does not
/// tune again; the index is tuned again once it holds twice ``faces``.
public struct EfSearchTuning: Codable, Hashable, Sendable, CustomStringConvertible {
    /// How many standard errors the measured recall must clear the target by: the one-sided 95 %
    /// normal quantile. The recall is measured on a sample of a few hundred faces, whose error
    /// (about 0.003 near recall 0.98) is as large as the steps between candidates near the target.
    public static let confidenceZ = 1.645

    /// The chosen efSearch: the smallest of ``IndexConfiguration/efSearchCandidates`` that reached
    /// ``target`` (see ``reachedTarget``), or the largest when none did.
    public var efSearch: Int
    /// The recall@10 measured at ``efSearch``: the fraction of each sampled face's 10 exact nearest
    /// other faces that the HNSW search found (the face itself left out of both).
    public var recall: Double
    /// The standard error of ``recall``: the standard deviation of the sampled faces' own recalls
    /// over the square root of their number.
    public var standardError: Double
    /// The recall@10 aimed for.
    public var target: Double
    /// Live vectors in the index when it was measured.
    public var faces: Int
    /// How many stored faces served as queries.
    public var sampleSize: Int
    /// How long the tuning took, in seconds.
    public var seconds: Double

    /// Describes a tuning result.
    public init(
        efSearch: Int, recall: Double, standardError: Double, target: Double, faces: Int, sampleSize: Int, seconds: Double
    ) {
        self.efSearch = efSearch
        self.recall = recall
        self.standardError = standardError
        self.target = target
        self.faces = faces
        self.sampleSize = sampleSize
        self.seconds = seconds
    }

    /// The margin the recall must clear the target by: ``confidenceZ`` standard errors.
    public var margin: Double { Self.confidenceZ * standardError }

    /// Whether the target was reached with 95 % confidence: `recall − margin ≥ target`.
    public var reachedTarget: Bool { Self.reaches(recall: recall, standardError: standardError, target: target) }

    /// The rule tuning applies to each candidate: `recall − confidenceZ × standardError ≥ target`.
    public static func reaches(recall: Double, standardError: Double, target: Double) -> Bool {
        recall - confidenceZ * standardError >= target
    }

    /// E.g. `64 (tuned: recall 0.988 ± 0.007 at 200000 faces)`; the ± is ``margin``.
    public var summary: String {
        let recallText = String(format: "%.3f ± %.3f", recall, margin)
        let missed = reachedTarget ? "" : String(format: ", below the target %.3f", target)
        return "\(efSearch) (tuned: recall \(recallText) at \(faces) faces\(missed))"
    }

    /// E.g. `efSearch 64 (tuned: recall 0.988 ± 0.007 at 200000 faces)`.
    public var description: String { "efSearch " + summary }
}
