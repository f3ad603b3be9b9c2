import ArgumentParser

/// The `facedb` command line: the root command and its subcommands.
public struct FaceDBCommand: ParsableCommand {
    /// The command's name, abstract and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "facedb",
        abstract: "An embeddable face identity database.",
        discussion: """
            A database is a directory bound to one embedding space (model, dimension, metric).
            Examples:
              facedb create people.facedb --model dlib_face_recognition_resnet_model_v1 --dim 128 --metric l2
              facedb stats people.facedb
              facedb reindex people.facedb --index hnsw
              facedb calibrate people.facedb --svg roc.svg
              facedb identify people.facedb --embedding-file probes.txt
              facedb enroll people.facedb --folder photos/
              facedb identify people.facedb visitor.jpg
              facedb import people.facedb faces.npy --labels labels.txt
              facedb export people.facedb --format jsonl --output people.jsonl
              facedb repair people.facedb --into people.repaired
              facedb erase people.facedb --identity ada
              facedb backup people.facedb /backups/people.facedb
              facedb search people.facedb --face 17
              facedb identity rename people.facedb emp-17 ada
            """,
        version: "0.1.0",
        subcommands: [
            CreateCommand.self, StatsCommand.self, ReindexCommand.self, CheckCommand.self, RepairCommand.self,
            IdentifyCommand.self, VerifyCommand.self, SearchCommand.self, IdentityCommand.self, CalibrateCommand.self, EvaluateCommand.self,
            ImportCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self, EraseCommand.self, AuditCommand.self, RekeyCommand.self,
            ShellCommand.self,
            EnrollCommand.self, EmbedCommand.self, AnnotateCommand.self,
        ]
    )

    /// Makes the command (used by ArgumentParser).
    public init() {}
}
