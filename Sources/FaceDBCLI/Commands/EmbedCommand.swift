import ArgumentParser
import FaceDBCore
import FaceDBPhotos
import Foundation

/// `facedb embed`: the photo pipeline without a database.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Find the faces in photos and print their boxes, landmarks and 128-D embeddings (JSON Lines).",
        discussion: """
            One JSON object per photo: {"path": …, "faces": [{"box": [l, t, r, b], "confidence": …,
            "landmarks": [[x, y] × 5], "embedding": [128 floats]}]} or {"path": …, "error": …}.
            Boxes are dlib's inclusive rectangles in pixels of the upright photo (EXIF orientation applied).
            Example:
              facedb embed team.jpg portrait.png
              find photos -name '*.jpg' | facedb embed --upsample 1 -
            """)

    @Argument(help: "Photo files, or - to read one path per line from standard input.")
    var photos: [String]

    @OptionGroup var photoOptions: PhotoOptions

    func run() throws {
        try CLIError.reporting {
            var paths = photos.filter { $0 != "-" }
            if photos.contains("-") {
                let text = try BoundedLineReader.document(at: "-")
                paths += text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            }
            let pipeline = try PhotoOptions.loadPipeline()
            var failed = false
            // In chunks, so that results appear while a long list is processed.
            for start in stride(from: 0, to: paths.count, by: 16) {
                let chunk = Array(paths[start..<min(start + 16, paths.count)])
                for (path, result) in zip(chunk, pipeline.analyze(photosAt: chunk, options: photoOptions.pipeline)) {
                    switch result {
                    case .success(let photo):
                        try Output.json(PhotoJSON(path: path, faces: photo.faces.map { PhotoFaceJSON($0, embedding: true) }))
                    case .failure(let error):
                        failed = true
                        try Output.json(PhotoJSON(path: path, error: (error as? FaceDBError)?.message ?? "\(error)"))
                    }
                }
            }
            if failed { throw ExitCode(CLIError.failure) }
        }
    }
}
