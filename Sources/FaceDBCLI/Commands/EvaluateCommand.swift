import ArgumentParser
import FaceDB
import FaceDBCalibration
import FaceDBCore
import Foundation

/// `facedb evaluate`: accuracy, TAR at FAR, EER and k-fold accuracy of labelled pairs.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate labelled pairs: accuracy, TAR at FAR 1e-2/1e-3/1e-4, EER, k-fold accuracy.",
        discussion: """
            Pairs: a CSV `a,b,same` whose a and b are embeddings, or an LFW-style pairs.txt
            (`folds pairs-per-fold`, then `name i j` / `nameA i nameB j` lines) with --embeddings, a JSON
            Lines file of {"image": "name/name_0001.jpg", "embedding": [...]} for its images.
            The metric and threshold come from --database (its space and operating point) or --metric.
            Example:
              facedb evaluate --pairs pairs.csv --database people.facedb
              facedb evaluate --pairs pairs.txt --embeddings lfw-embeddings.jsonl --metric l2 --threshold 0.6 --json
              facedb evaluate --pairs pairs.txt --images lfw/      # photos through the face pipeline
            """)

    @Option(help: "The labelled pairs: a .csv (a,b,same) or an LFW-style pairs.txt.")
    var pairs: String

    @Option(help: "For pairs.txt: JSON Lines of {\"image\": \"name/name_0001.jpg\", \"embedding\": [...]}.")
    var embeddings: String?

    @Option(
        help:
            "Photos instead of embeddings: the LFW folder (name/name_0001.jpg) or the base of a CSV's relative photo paths. Embeds the largest face of each photo with the face pipeline (128-D, L2)."
    )
    var images: String?

    @OptionGroup var photoOptions: PhotoOptions

    @Option(help: "Take the metric, normalization and operating point from this database.")
    var database: String?

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "The metric when no database is given: l2, cosine or ip.")
    var metric: Metric?

    @Option(help: "The threshold accuracy is measured at (default: the database's operating point or the model default).")
    var threshold: Float?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            var space: EmbeddingSpace?
            var threshold = self.threshold
            var source: ThresholdSource = threshold == nil ? .none : .caller
            if let database {
                let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
                defer { try? db.close() }
                space = db.space
                if threshold == nil { let current = try db.verificationThreshold(); (threshold, source) = (current.threshold, current.source) }
            }
            let labelled: [LabelledEmbeddings]
            if let images {
                let pipeline = try PhotoOptions.loadPipeline()
                let progress = ProgressReporter(label: "embedding photos", total: 0, enabled: !json)
                let loaded = try LabelledEmbeddings.load(pairs: pairs, images: images, pipeline: pipeline, options: photoOptions.pipeline) {
                    progress.update($0)
                }
                progress.finish()
                labelled = loaded.pairs
                if space == nil { space = .dlibResNet }
                if threshold == nil && source == .none {
                    (threshold, source) = (ModelDefaults.threshold(for: EmbeddingSpace.dlibResNet), .modelDefault)
                }
                if !loaded.unusable.isEmpty {
                    HumanText.warn(
                        "evaluate: \(loaded.unusable.count) of \(loaded.photos) photos have no usable face; their pairs count as non-matches: \(loaded.unusable.prefix(5).joined(separator: ", "))"
                    )
                }
            } else {
                labelled = try LabelledEmbeddings.load(pairs: pairs, embeddings: embeddings)
            }
            guard let first = labelled.first else {
                throw FaceDBError(.insufficientData, "\(pairs) holds no pairs.", remedy: "Check the file.", path: pairs)
            }
            if space == nil {
                guard let metric else {
                    throw FaceDBError(.invalidArgument, "Say how to compare embeddings.", remedy: "Pass --database DB or --metric l2|cosine|ip.")
                }
                space = EmbeddingSpace(model: "evaluation", dimension: first.a.count, metric: metric)
            }
            let s = space!
            let scored = try labelled.enumerated().map { i, p in
                ScoredPair(
                    score: s.score(
                        try s.prepare(p.a, what: "embedding a of pair #\(i + 1)"),
                        try s.prepare(p.b, what: "embedding b of pair #\(i + 1)")),
                    same: p.same, fold: p.fold)
            }
            let report = try PairEvaluation.evaluate(scored, higherIsBetter: s.metric.higherIsBetter, threshold: threshold, thresholdSource: source)
            if json { try Output.json(report); return }
            HumanText.say(
                "pairs \(report.pairs) (\(report.samePairs) same, \(report.pairs - report.samePairs) different), metric \(s.metric.rawValue)")
            if let accuracy = report.accuracy, let t = report.threshold {
                HumanText.say(String(format: "accuracy %.4f at threshold %@ (%@)", accuracy, Output.score(t), report.thresholdSource.rawValue))
            }
            Output.table(
                ["FAR", "TAR"],
                PairEvaluation.fars.map { far in
                    let key = String(format: "%.0e", far)
                    let tar = report.tarAtFAR[key] ?? nil
                    return [key, tar.map { String(format: "%.4f", $0) } ?? "n/a (needs ≥ \(Int(10 / far)) different pairs)"]
                })
            HumanText.say(String(format: "EER %.4f at threshold %@", report.equalErrorRate, Output.score(report.equalErrorThreshold)))
            if let mean = report.foldMeanAccuracy, let std = report.foldStandardDeviation, let folds = report.foldAccuracies {
                HumanText.say(String(format: "%d-fold accuracy %.4f ± %.4f (threshold chosen on the other folds)", folds.count, mean, std))
            }
        }
    }
}
