import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb stats`: counts, embedding space, index state and size.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show counts, embedding space, index and size of a database.",
        discussion: """
            Example:
              facedb stats people.facedb
              facedb stats people.facedb --json | jq .faces
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        try CLIError.reporting {
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
            let stats = try db.stats()
            try db.close()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(stats), as: UTF8.self))
                return
            }
            let rows = stats.rows(detailed: true)
            let width = rows.map(\.0.count).max() ?? 0
            for (name, value) in rows { HumanText.say(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
        }
    }
}

/// `1.5 MiB`-style sizes.
func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
