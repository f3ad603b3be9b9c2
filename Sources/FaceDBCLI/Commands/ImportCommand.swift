import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBImport
import Foundation

/// `facedb import`: bulk-loads embeddings computed elsewhere.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import embeddings from .npy, .fvecs, JSON Lines or CSV files.",
        discussion: """
            Formats (see Schemas/import-formats.md):
              .npy   float16/32/64, shape (n, d), C order, with --labels
              .fvecs with --labels
              .jsonl {"identity": "ada", "embedding": [...], "face_id": 7, "metadata": {...}} per line,
                     or a dump written by `facedb export --format jsonl`
              .csv   header identity,face_id,metadata,e0,...,e{d-1} (face_id and metadata optional)
            A labels file is one identity per line (.txt), or a CSV/JSONL with identity and optional
            face_id and metadata columns. Unknown identities are created. Bad rows are written to the
            rejects file (JSON Lines: row, reason) and the import goes on. Each batch is one atomic
            write that also records how many rows of the file are done, so re-running an interrupted
            import goes on where it stopped (--again imports the whole file anew). Rows whose face_id
            is already stored are skipped; --upsert replaces them instead.
            The rejects file is written whole when the import ends (or stops), listing the rows this run
            rejected. The default FILE.rejects.jsonl is replaced by each run, so re-running an import
            works; a file there that is not a rejects file FaceDB wrote, or an existing --rejects
            file, is refused unless --force. A directory, a symbolic link, a file inside a database
            or an input is always refused, before anything is imported.
            Exit code: 0 when every row was stored or skipped, 2 when some were rejected, 1 on error.
            Examples:
              facedb import people.facedb faces.npy --labels labels.txt
              facedb import people.facedb exported.jsonl --upsert --rejects bad.jsonl
            """)

    /// Exit code when the import finished but rejected rows.
    static let rejectedRowsExitCode: Int32 = 2

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Argument(help: "Embedding files (.npy, .fvecs, .jsonl, .ndjson, .csv).")
    var files: [String]

    @Option(help: "Labels file for a .npy or .fvecs file (repeat once per such file, in order).")
    var labels: [String] = []

    @Flag(help: "Replace stored faces that have the same face id (default: skip them).")
    var upsert = false

    @Flag(help: "Import every row even if this file was imported before (default: go on after the rows an earlier import of the same file stored).")
    var again = false

    @Option(help: "Rows per atomic write.")
    var batchSize = ImportOptions().batchSize

    @Option(
        help:
            "Where rejected rows go (JSON Lines; must not exist unless --force). Default: FILE.rejects.jsonl next to each input, replaced by each run."
    )
    var rejects: String?

    @OptionGroup var output: OutputOptions

    @Flag(help: "Print the summary as JSON (one object per file).")
    var json = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        let needLabels = files.filter { ["npy", "fvecs"].contains(($0 as NSString).pathExtension.lowercased()) }.count
        guard labels.count == needLabels else {
            throw ValidationError(
                "\(needLabels) .npy/.fvecs file(s) need \(needLabels) --labels option(s), one per file in order; \(labels.count) given.")
        }
        if rejects != nil && files.count > 1 {
            throw ValidationError("--rejects names one file; with several inputs leave it out (each gets FILE.rejects.jsonl).")
        }
    }

    func run() throws {
        var anyRejected = false
        try CLIError.reporting {
            // Every rejects path is checked before anything is imported.
            let paths = output.paths(inputs: files + labels, databases: [database])
            for file in files {
                let path = rejectsPath(for: file)
                try paths.check(
                    path, what: "The rejects file",
                    mayReplace: rejects == nil && OutputOptions.isEarlierRejectsFile(path))
            }
            // Batches' buffers go back to the system when freed (peak RSS, BENCHMARKS.md "Memory").
            FaceDatabase.mapLargeBuffersApart()
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
            defer { try? db.close() }
            var pendingLabels = labels[...]
            for file in files {
                let ext = (file as NSString).pathExtension.lowercased()
                let labelsFile = ["npy", "fvecs"].contains(ext) ? pendingLabels.popFirst() : nil
                let source = try EmbeddingFiles.open(path: file, labels: labelsFile)
                let rejectsPath = rejectsPath(for: file)
                let progress = ProgressReporter(
                    label: "importing \((file as NSString).lastPathComponent)",
                    total: source.totalRows ?? 0, enabled: !quiet)
                let options = ImportOptions(
                    batchSize: batchSize, existing: upsert ? .replace : .skip, rejectsPath: rejectsPath,
                    resumeKey: again ? nil : try EmbeddingFiles.resumeKey(path: file, labels: labelsFile))
                var tuning: ProgressReporter?
                let summary = try db.importEmbeddings(from: source, options: options) { p in
                    if let step = p.tuningStep, let steps = p.tuningSteps {
                        if tuning == nil {
                            progress.finish()
                            tuning = ProgressReporter(label: "tuning HNSW efSearch", total: steps, enabled: !quiet)
                        }
                        tuning?.update(step)
                        return
                    }
                    // Text formats do not say how many rows they hold: estimate it from the bytes read.
                    let total =
                        p.totalRows
                        ?? p.totalBytes.map { bytes in
                            p.bytesRead > 0 ? Int(Double(p.rows) * Double(bytes) / Double(p.bytesRead)) : 0
                        }
                    progress.update(p.rows, total: total)
                }
                progress.finish()
                tuning?.finish()
                anyRejected = anyRejected || summary.rejected > 0
                if json {
                    try Output.json(ImportReport(file: file, rejectsFile: summary.rejected > 0 ? rejectsPath : nil, summary: summary))
                } else if !quiet {
                    HumanText.say(Self.describe(summary, file: file, rejectsPath: rejectsPath))
                }
            }
            try db.close()
        }
        if anyRejected { throw ExitCode(Self.rejectedRowsExitCode) }
    }

    /// Where the rejected rows of `file` go: `--rejects`, else `FILE.rejects.jsonl`.
    func rejectsPath(for file: String) -> String { rejects ?? file + ".rejects.jsonl" }

    /// The one-paragraph summary printed after a file.
    static func describe(_ s: ImportSummary, file: String, rejectsPath: String) -> String {
        var text = "\(file): \(s.rowsRead) rows read"
        if s.resumed > 0 { text += ", \(s.resumed) done by an earlier import" }
        text += ", \(s.stored) stored"
        if s.replaced > 0 { text += " (\(s.replaced) replacing stored faces)" }
        text += ", \(s.skipped) skipped (already stored), \(s.rejected) rejected"
        if s.rejected > 0 { text += " (see \(rejectsPath))" }
        text += String(format: "; %d identities created; %.1f s, %.0f rows/s.", s.identitiesCreated, s.seconds, s.rowsPerSecond)
        return text
    }
}

/// The `--json` output of `facedb import`, one per file.
struct ImportReport: Encodable {
    var file: String
    var rejectsFile: String?
    var summary: ImportSummary

    enum CodingKeys: String, CodingKey {
        case file
        case rejectsFile = "rejects_file"
        case summary
    }
}
