import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb reindex`: rebuilds the index with another kind or parameters.
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the index from the stored faces, with another kind or parameters.",
        discussion: """
            The store is not changed; searches keep working on the old index until the new one is ready.
            Example:
              facedb reindex people.facedb --index hnsw --ef-search 128
              facedb reindex people.facedb --index ivfpq --nlist 1024 --pq-m 16
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @OptionGroup var indexOptions: IndexOptions

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
            let progress = ProgressReporter(label: "indexing", total: db.faceCount, enabled: !quiet)
            let started = Date()
            try db.reindex(indexOptions.configuration) { done, _ in progress.update(done) }
            progress.finish()
            try db.close()
            if !quiet {
                HumanText.say(
                    String(
                        format: "Rebuilt the index as %@ over %d faces in %.1f s.",
                        indexOptions.configuration.description, db.faceCount, Date().timeIntervalSince(started)))
            }
        }
    }
}
