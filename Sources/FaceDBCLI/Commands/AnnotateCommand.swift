import ArgumentParser
import FaceDB
import FaceDBCore
import FaceDBPhotos
import Foundation

/// `facedb annotate`: see what was detected.
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Draw the faces found in a photo (boxes, landmarks, labels) on a copy, written as PNG or JPEG.",
        discussion: """
            Without a database each face is labelled with its detector confidence; with --database,
            with who it is (or 'unknown') and the score. The output's extension names its format:
            .png (lossless) or .jpg/.jpeg (JPEG, quality 90); any other is refused. The copy is
            written to a temporary file and renamed into place. The photo itself, an existing file
            (unless --force), a directory, a symbolic link or a path inside a database is refused.
            Example:
              facedb annotate team.jpg --output team-faces.png
              facedb annotate team.jpg --database people.facedb -o who.jpg
            """)

    @Argument(help: "The photo.")
    var photo: String

    @Option(name: [.short, .long], help: "The image to write: .png, or .jpg/.jpeg for JPEG.")
    var output: String

    @OptionGroup var outputOptions: OutputOptions

    @Option(help: "A database to identify the faces in.")
    var database: String?

    @OptionGroup var keyOptions: KeyOptions

    @OptionGroup var photoOptions: PhotoOptions

    func run() throws {
        try CLIError.reporting {
            _ = try ImageFileFormat(path: output)
            try outputOptions.paths(inputs: [photo], databases: database.map { [$0] } ?? [])
                .check(output, what: "The annotated photo")
            let pipeline = try PhotoOptions.loadPipeline()
            let image = try pipeline.decoder.decode(contentsOf: photo)
            var annotations: [FaceAnnotation] = []
            if let database {
                let db = try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: try keyOptions.key()))
                defer { try? db.close() }
                let result = try db.identify(photoAt: photo, pipeline: pipeline, pipelineOptions: photoOptions.pipeline)
                for face in result.faces {
                    let answer = face.identification
                    let label = (answer.identity ?? answer.decision.rawValue) + (answer.matches.first.map { " " + Output.score($0.score) } ?? "")
                    annotations.append(FaceAnnotation(rectangle: face.face.detection.rectangle, landmarks: face.face.landmarks, label: label))
                }
                try db.close()
            } else {
                for face in try pipeline.analyze(image: image, options: photoOptions.pipeline).faces {
                    annotations.append(
                        FaceAnnotation(
                            rectangle: face.detection.rectangle, landmarks: face.landmarks,
                            label: String(format: "%.2f", face.detection.confidence)))
                }
            }
            try Annotator.write(image, faces: annotations, to: output)
            HumanText.say("\(annotations.count) face\(annotations.count == 1 ? "" : "s") drawn on \(output)")
        }
    }
}
