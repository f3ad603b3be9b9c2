import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBImport
import Foundation

extension ExportFormat: ExpressibleByArgument {}

/// `facedb export`: writes every stored face to files that `facedb import` (or Milvus) reads.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export identities, face ids, metadata and embeddings to .npy, JSON Lines, CSV or Milvus files.",
        discussion: """
            npy, jsonl and csv import back identically with `facedb import`. jsonl is a whole dump \
            (Schemas/dump.schema.json): it also carries identities' names, galleries and metadata, each \
            face's photo provenance, the index configuration and the operating point, and imported into \
            an empty database it makes one whose own dump is the same bytes. milvus writes a directory of
            NumPy files, one per field (id, identity, embedding, metadata) plus schema.json, for Milvus's
            bulk insert. Embeddings are written as stored (normalized if the database normalizes).
            Each file is written to a temporary file and renamed into place when complete. An existing
            file is refused unless --force; a directory (except milvus's own), a symbolic link or a
            path inside a database is always refused, before anything is written.
            Examples:
              facedb export people.facedb --format jsonl --output people.jsonl
              facedb export people.facedb --format npy --output people.npy   # + people.labels.jsonl
              facedb import copy.facedb people.npy --labels people.labels.jsonl
              facedb export people.facedb --format milvus --output milvus-people/
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Option(help: "npy, jsonl, csv or milvus.")
    var format: ExportFormat

    @Option(name: [.short, .long], help: "The file to write (a directory for milvus, created if missing; its files must not exist unless --force).")
    var output: String

    @OptionGroup var outputOptions: OutputOptions

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try CLIError.reporting {
            let paths = outputOptions.paths(databases: [database])
            if format == .milvus { try paths.checkDirectory(output, what: "The export directory") }
            let outputs = FaceDatabase.exportFiles(format: format, path: output)
            // A new milvus directory holds nothing to check yet.
            if format != .milvus || FileManager.default.fileExists(atPath: output) {
                for file in outputs { try paths.check(file, what: "The export file") }
            }
            try paths.checkDistinct(outputs)
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            defer { try? db.close() }
            let progress = ProgressReporter(label: "exporting", total: db.faceCount, enabled: !quiet)
            let started = Date()
            let result = try db.export(format: format, to: output) { done, total in progress.update(done, total: total) }
            let (faces, files) = (result.faces, result.files)
            progress.finish()
            try db.close()
            if !quiet {
                HumanText.say(
                    String(
                        format: "Exported %d faces in %.1f s to %@.", faces, Date().timeIntervalSince(started),
                        files.joined(separator: ", ")))
            }
        }
    }
}
