import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb identity update|rename`: changes an identity without touching its faces' vectors.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Update or rename an identity.",
        discussion: """
            Examples:
              facedb identity update people.facedb ada --name "Ada King" --gallery staff --gallery vip
              facedb identity update people.facedb ada --meta '{"team": "red"}'
              facedb identity rename people.facedb emp-17 ada
            """,
        subcommands: [Update.self, Rename.self])

    /// `facedb identity update`.
    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an identity's display name, metadata or galleries; what is not given stays as it is.",
            discussion: """
                --gallery replaces the identity's list of galleries with the ones given; --no-galleries empties it.
                Example:
                  facedb identity update people.facedb ada --name "Ada King" --meta '{"team": "red"}'
                """)

        @Argument(help: "The database directory.")
        var database: String

        @OptionGroup var keyOptions: KeyOptions

        @Argument(help: "The identity id.")
        var identity: String

        @Option(help: "The new display name.")
        var name: String?

        @Option(help: ArgumentHelp("The new metadata: a JSON object (it replaces the old one).", valueName: "json"))
        var meta: String?

        @Option(help: "A gallery the identity is in (repeatable; the list replaces the old one).")
        var gallery: [String] = []

        @Flag(help: "Take the identity out of every gallery.")
        var noGalleries = false

        @Flag(help: "Print one JSON object.")
        var json = false

        func validate() throws {
            if name == nil && meta == nil && gallery.isEmpty && !noGalleries {
                throw ValidationError("Give what to change: --name, --meta, --gallery or --no-galleries.")
            }
            if noGalleries && !gallery.isEmpty { throw ValidationError("--no-galleries cannot go with --gallery.") }
        }

        func run() throws {
            try CLIError.reporting {
                let metadata = try meta.map(EnrollCommand.metadata)
                let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
                defer { try? db.close() }
                try db.updateIdentity(
                    identity, displayName: name.map { .some($0) }, metadata: metadata,
                    galleries: noGalleries ? [] : gallery.isEmpty ? nil : gallery)
                let updated = try db.identity(identity)
                try db.close()
                if json, let updated { try Output.json(updated) } else { HumanText.say("Updated identity '\(HumanText.safe(identity))'.") }
            }
        }
    }

    /// `facedb identity rename`.
    struct Rename: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an identity another id, with its name, metadata, galleries and faces, in one atomic write.",
            discussion: """
                Face ids stay as they are. The new id must not be taken.
                Example:
                  facedb identity rename people.facedb emp-17 ada
                """)

        @Argument(help: "The database directory.")
        var database: String

        @OptionGroup var keyOptions: KeyOptions

        @Argument(help: "The identity's id now.")
        var identity: String

        @Argument(help: "Its new id.")
        var newID: String

        func run() throws {
            try CLIError.reporting {
                let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
                defer { try? db.close() }
                let faces = try db.renameIdentity(identity, to: newID)
                try db.close()
                HumanText.say(
                    "Renamed identity '\(HumanText.safe(identity))' to '\(HumanText.safe(newID))' (\(faces.count) face\(faces.count == 1 ? "" : "s"))."
                )
            }
        }
    }
}
