import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBPhotos
import Foundation

/// `facedb enroll`: photos of people in, identities out.
struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll photos as faces of an identity, or a folder with one sub-folder per identity.",
        discussion: """
            Each photo must show one face that passes the quality gate: large enough (--min-face),
            detected confidently, sharp, not turned or tilted too far, and — when the identity already
            has faces — within the 1:1 threshold of them, and not within it of another identity's face \
            (--allow-duplicate-person accepts those). A photo whose SHA-256 is already stored for the \
            identity is skipped, so running the same enrolment again adds nothing; --replace replaces \
            its face instead. Refused photos are listed with the reason, the
            measured value and the limit, and written to the rejects file (JSON Lines); the others are
            stored. The rejects file is written whole at the end; the default enroll.rejects.jsonl is
            replaced by each run (a file there that FaceDB did not write is refused unless --force), an
            existing --rejects file only with --force; a directory, a symbolic link, a file inside a
            database or a photo is always refused, before anything is enrolled.
            Exit code: 0 all accepted, 2 some refused, 1 error.
            Example:
              facedb enroll people.facedb --identity ada ada1.jpg ada2.jpg
              facedb enroll people.facedb --folder photos/      # photos/ada/*.jpg, photos/bob/*.png, …
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Argument(help: "Photos of the identity given with --identity.")
    var photos: [String] = []

    @Option(help: "The identity the photos show.")
    var identity: String?

    @Option(help: "A folder with one sub-folder of photos per identity (the sub-folder's name is the identity).")
    var folder: String?

    @OptionGroup var photoOptions: PhotoOptions

    @Flag(help: "With several faces in a photo, enroll the largest instead of refusing the photo.")
    var largest = false

    @Flag(help: "Do not refuse faces that are far from the identity's other faces.")
    var noIdentityCheck = false

    @Flag(help: "Store each face's aligned chip (a small photo of the face) with it.")
    var storeChips = false

    @Flag(help: "Replace the face of a photo already stored for the identity (default: skip the photo).")
    var replace = false

    @Flag(help: "Accept a face that looks like another identity (within the 1:1 threshold of its faces).")
    var allowDuplicatePerson = false

    @Option(help: ArgumentHelp("Metadata stored with each enrolled face: a JSON object.", valueName: "json"))
    var meta: String?

    @Option(help: "Minimum sharpness (variance of the Laplacian of the chip).")
    var minSharpness = QualityThresholds().minimumSharpness

    @Option(help: "Minimum detector confidence.")
    var minConfidence = QualityThresholds().minimumConfidence

    @Option(help: "Maximum head turn (0 frontal, 1 nose over an eye).")
    var maxYaw = QualityThresholds().maximumYaw

    @Option(
        help:
            "Where refused photos are listed (JSON Lines; must not exist unless --force). Default: enroll.rejects.jsonl in the current directory, replaced by each run."
    )
    var rejects: String?

    @OptionGroup var output: OutputOptions

    /// The rejects file when `--rejects` is not given.
    static let defaultRejects = "enroll.rejects.jsonl"

    @Flag(help: "Print one JSON object per photo.")
    var json = false

    @Flag(help: "Print nothing but errors and the summary.")
    var quiet = false

    /// The extensions looked for in folders.
    static let photoExtensions: Set<String> = ["jpg", "jpeg", "png"]

    func validate() throws {
        guard (identity == nil) != (folder == nil) else {
            throw ValidationError("Give either --identity ID with photos, or --folder DIR.")
        }
        if identity != nil && photos.isEmpty { throw ValidationError("Give the photos of '\(identity!)'.") }
        if folder != nil && !photos.isEmpty { throw ValidationError("With --folder, give no photo arguments.") }
    }

    func run() throws {
        var anyRefused = false
        try CLIError.reporting {
            let work = try plan()
            let rejectsPath = rejects ?? Self.defaultRejects
            try output.paths(inputs: work.flatMap(\.photos), databases: [database])
                .check(rejectsPath, what: "The rejects file", mayReplace: rejects == nil && OutputOptions.isEarlierRejectsFile(rejectsPath))
            let db = try FaceDatabase.open(at: database, options: CommandLog.options(key: try keyOptions.key()))
            defer { try? db.close() }
            let pipeline = try PhotoOptions.loadPipeline(for: db.space)
            let options = EnrollOptions(
                pipeline: photoOptions.pipeline,
                quality: QualityThresholds(
                    minimumFaceSize: photoOptions.minFace, minimumConfidence: minConfidence,
                    minimumSharpness: minSharpness, maximumYaw: maxYaw),
                pickLargestFace: largest, checkIdentityMatch: !noIdentityCheck, storeChips: storeChips, replace: replace,
                allowDuplicatePerson: allowDuplicatePerson, metadata: try meta.map(Self.metadata))
            let total = work.reduce(0) { $0 + $1.photos.count }
            let progress = ProgressReporter(label: "enrolling", total: total, enabled: !quiet && !json)
            let rejectsFile = try OutputLines(path: rejectsPath)
            defer { try? rejectsFile.close() }  // the photos refused so far, when an error stops the enrolment
            var done = 0
            var accepted = 0
            var skipped = 0
            var refused = 0
            let started = Date()
            for (name, paths) in work {
                let base = done
                let enrollment = try db.enroll(photosAt: paths, identity: name, pipeline: pipeline, options: options) { n in
                    progress.update(base + n)
                }
                done += paths.count
                for outcome in enrollment.outcomes {
                    if outcome.alreadyEnrolled {
                        skipped += 1
                    } else if outcome.accepted {
                        accepted += 1
                    } else {
                        refused += 1
                        try rejectsFile.write(RefusedPhoto(path: outcome.path, identity: name, issues: outcome.issues))
                    }
                    if json {
                        try Output.json(
                            EnrolledPhoto(
                                path: outcome.path, identity: name, faceID: outcome.faceID?.rawValue,
                                alreadyEnrolled: outcome.alreadyEnrolled, replaced: outcome.replaced,
                                issues: outcome.issues, quality: outcome.quality))
                    } else if !quiet && !outcome.issues.isEmpty {
                        HumanText.warn("refused \(outcome.path): \(outcome.issues.map(\.description).joined(separator: "; "))")
                    }
                }
            }
            progress.finish()
            try rejectsFile.close()
            try db.close()
            anyRefused = refused > 0
            if !json {
                HumanText.say(
                    String(
                        format: "%d photos: %d enrolled, %@%d refused%@ (%.1f photos/s).", total, accepted,
                        skipped > 0 ? "\(skipped) skipped (stored before), " : "", refused,
                        refused > 0 ? " — see \(rejectsPath)" : "", Double(total) / max(Date().timeIntervalSince(started), 1e-9)))
            }
        }
        if anyRefused { throw ExitCode(ImportCommand.rejectedRowsExitCode) }
    }

    /// `--meta` text as checked metadata (a JSON object within the size limits).
    static func metadata(_ text: String) throws -> JSONValue {
        let value = try JSONValue.parse(text)
        try Identity.validate(metadata: value)
        return value
    }

    /// (identity, photos) pairs: the arguments, or the folder's sub-folders in name order.
    func plan() throws -> [(String, photos: [String])] {
        if let identity { return [(identity, photos)] }
        let root = folder!
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root) else {
            throw FaceDBError(.io, "Cannot list the folder \(root).", remedy: "Check the path.", path: root)
        }
        var work: [(String, photos: [String])] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let dir = root + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                .filter { Self.photoExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .map { dir + "/" + $0 }
            if !files.isEmpty { work.append((name, files)) }
        }
        guard !work.isEmpty else {
            throw FaceDBError(
                .invalidArgument, "\(root) has no sub-folders with .jpg or .png photos.",
                remedy: "Lay the photos out as \(root)/<identity>/<photo>.jpg.", path: root)
        }
        return work
    }
}

/// A refused photo in the rejects file.
struct RefusedPhoto: Encodable {
    var path: String
    var identity: String
    var issues: [QualityIssue]
}

/// One photo's outcome with `--json`.
struct EnrolledPhoto: Encodable {
    var path: String
    var identity: String
    var faceID: Int64?
    var alreadyEnrolled: Bool
    var replaced: Bool
    var issues: [QualityIssue]
    var quality: FaceQuality?

    enum CodingKeys: String, CodingKey {
        case path, identity, issues, quality, replaced
        case faceID = "face_id"
        case alreadyEnrolled = "already_enrolled"
    }
}

/// A JSON Lines file written one encodable value per line through an ``OutputFile``: put in place
/// whole by ``close()``, which creates no file when nothing was written and none was there.
final class OutputLines {
    private let file: OutputFile
    private let encoder = JSONEncoder()

    /// Starts the file at `path` (checked by the caller with ``OutputPathGuard``).
    init(path: String) throws {
        file = try OutputFile(path: path)
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// Appends `value` as one line of JSON.
    func write<T: Encodable>(_ value: T) throws {
        try file.write(try encoder.encode(value) + Data("\n".utf8))
    }

    /// Puts the file in place (see ``OutputFile/commit(skipIfEmptyAndNew:)``).
    func close() throws { try file.commit(skipIfEmptyAndNew: true) }
}
