import ArgumentParser
import FaceDB
import FaceDBCalibration
import FaceDBCore
import Foundation

/// `facedb calibrate`: measures the database's own scores and stores its operating point.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure genuine and impostor scores, report the ROC, and store the operating point.",
        discussion: """
            Uses the stored faces (or a labelled pairs CSV `a,b,same` of embeddings with --pairs).
            FNMR is reported only at false-match rates the number of impostor pairs supports (≥ 10/FMR). \
            A gallery too small for the target FMR is measured as far as it goes (EER, the FMRs it \
            supports, the curve files); no operating point is stored then, and one line says what \
            more data would allow.
            Example:
              facedb calibrate people.facedb --target-fmr 1e-3 --svg roc.svg --csv roc.csv
              facedb calibrate people.facedb --pairs labelled.csv --dry-run --json
            The curve and the plot are written to temporary files and renamed into place. An existing
            file is refused unless --force; a directory, a symbolic link, a path inside a database or
            the pairs file is always refused, before anything is measured or stored.
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "The false-match rate the 1:1 threshold is chosen for.")
    var targetFMR: Double = 1e-3

    @Option(help: "The false-positive identification rate the 1:N threshold is chosen for.")
    var targetFPIR: Double = 1e-2

    @Option(help: "At most this many impostor pairs are sampled.")
    var maxImpostors: Int = 1_000_000

    @Option(help: "At most this many faces are used (whole identities, chosen at random).")
    var maxFaces: Int = 50_000

    @Option(help: "The seed of the sampling.")
    var seed: UInt64 = 1

    @Option(help: "Calibrate from a labelled pairs CSV (a,b,same) of embeddings instead of the gallery.")
    var pairs: String?

    @Option(help: "Write the curve as CSV (threshold,fmr,fnmr,tar).")
    var csv: String?

    @Option(help: "Write a DET plot (FNMR against FMR) with the operating point as SVG.")
    var svg: String?

    @OptionGroup var output: OutputOptions

    @Flag(help: "Measure and report, but do not store the operating point.")
    var dryRun = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let paths = output.paths(inputs: pairs.map { [$0] } ?? [], databases: [database])
            if let csv { try paths.check(csv, what: "The curve file") }
            if let svg { try paths.check(svg, what: "The plot file") }
            try paths.checkDistinct([csv, svg].compactMap { $0 })
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
            defer { try? db.close() }
            let options = CalibrationOptions(
                targetFMR: targetFMR, targetFPIR: targetFPIR, maxImpostorPairs: maxImpostors,
                maxFaces: maxFaces, seed: seed, store: !dryRun)
            let report: CalibrationReport
            if let pairs {
                report = try db.calibrate(pairs: try LabelledEmbeddings.read(pairs), options: options)
            } else {
                report = try db.calibrate(options)
            }
            let point = report.operatingPoint
            let curve = try report.roc.curve(maxPoints: 400)
            let marked = point.map {
                ROCPoint(targetFMR: $0.targetFMR, threshold: $0.verificationThreshold, fmr: $0.measuredFMR, fnmr: $0.fnmr)
            }
            if let csv { try write(CurveTable.csv(curve), to: csv) }
            if let svg {
                try write(
                    CurvePlot.detSVG(
                        curve: curve, operatingPoint: marked,
                        title: "\(db.space.model) — \(report.roc.genuineCount) genuine, \(report.roc.impostorCount) impostor pairs"),
                    to: svg)
            }
            if json {
                try Output.json(CalibrationSummary(report, stored: !dryRun))
                return
            }
            HumanText.say(
                "faces \(report.faces), identities \(report.identities); genuine pairs \(report.roc.genuineCount), impostor pairs \(report.roc.impostorCount)"
            )
            Output.table(
                ["FMR", "threshold", "FNMR", "TAR"],
                report.points.map {
                    [
                        String(format: "%.0e", $0.targetFMR ?? $0.fmr), Output.score($0.threshold), String(format: "%.4f", $0.fnmr),
                        String(format: "%.4f", 1 - $0.fnmr),
                    ]
                })
            HumanText.say(String(format: "EER %.4f at threshold %@", report.equalErrorRate.rate, Output.score(report.equalErrorRate.threshold)))
            guard let point else {
                HumanText.say(report.limitation ?? "no operating point")
                if let csv { HumanText.say("curve: \(csv)") }
                if let svg { HumanText.say("plot: \(svg)") }
                return
            }
            HumanText.say(
                "operating point (1:1): threshold \(Output.score(point.verificationThreshold)) at FMR \(point.targetFMR) (measured \(point.measuredFMR)), FNMR \(String(format: "%.4f", point.fnmr))"
            )
            if let t = point.identificationThreshold, let g = point.galleryIdentities, let f = point.targetFPIR {
                HumanText.say("operating point (1:N): threshold \(Output.score(t)) keeps FPIR ≤ \(f) for a gallery of \(g) identities")
            } else if let note = report.identificationNote {
                HumanText.say("1:N: \(note)")
            }
            HumanText.say(dryRun ? "not stored (--dry-run)" : "stored in \(database); identify and verify use it")
            if let csv { HumanText.say("curve: \(csv)") }
            if let svg { HumanText.say("plot: \(svg)") }
        }
    }

    /// Writes `text` at `path` atomically (a temporary file renamed into place).
    private func write(_ text: String, to path: String) throws {
        try OutputFile.write(Array(text.utf8), to: path)
    }
}

/// The JSON form of a calibration report.
struct CalibrationSummary: Encodable {
    var faces: Int
    var identities: Int
    var genuinePairs: Int
    var impostorPairs: Int
    var points: [ROCPoint]
    var equalErrorRate: Double
    var equalErrorThreshold: Float
    var operatingPoint: OperatingPoint?
    var limitation: String?
    var identificationNote: String?
    var stored: Bool

    init(_ r: CalibrationReport, stored: Bool) {
        faces = r.faces
        identities = r.identities
        genuinePairs = r.roc.genuineCount
        impostorPairs = r.roc.impostorCount
        points = r.points
        equalErrorRate = r.equalErrorRate.rate
        equalErrorThreshold = r.equalErrorRate.threshold
        operatingPoint = r.operatingPoint
        limitation = r.limitation
        identificationNote = r.identificationNote
        self.stored = stored && r.operatingPoint != nil
    }
}
