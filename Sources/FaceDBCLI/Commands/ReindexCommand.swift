import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb reindex`: rebuilds the index with another kind or parameters.
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the index from the stored faces, or change its search parameters.",
        discussion: """
            Options left out keep the current index's values. A change of search parameters only \
            (--ef-search, --recall-target, --nprobe) applies at once, without a rebuild; any other \
            change rebuilds the index from the store. The store is not changed; searches keep \
            working on the old index until the new one is ready. Without options the index is \
            rebuilt as it is.
            Examples:
              facedb reindex people.facedb --ef-search 128
              facedb reindex people.facedb --index hnsw
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
            let current = try db.stats().index
            let configuration = indexOptions.configuration(over: current)
            let rebuilds = indexOptions.isEmpty || !configuration.differsOnlyInSearchParameters(from: current)
            let progress = ProgressReporter(label: "indexing", total: db.faceCount, enabled: !quiet && rebuilds)
            let started = Date()
            try db.reindex(configuration, rebuild: indexOptions.isEmpty) { done, _ in progress.update(done) }
            progress.finish()
            try db.close()
            if !quiet {
                HumanText.say(
                    rebuilds
                        ? String(
                            format: "Rebuilt the index as %@ over %d faces in %.1f s.", configuration.description, db.faceCount,
                            Date().timeIntervalSince(started))
                        : "Search parameters changed without a rebuild: \(configuration.description).")
            }
        }
    }
}
