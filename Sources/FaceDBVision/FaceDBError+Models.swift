import FaceDBCore
import Foundation

extension FaceDBError {
    /// A model file that is not in the models directory.
    public static func modelMissing(_ file: ModelFile, directory: String) -> FaceDBError {
        let location = (directory as NSString).appendingPathComponent(file.fileName)
        return FaceDBError(
            .modelMissing,
            "The model file \(file.fileName) is missing: it was looked for at \(location).",
            remedy: "Run \(ModelDirectory.fetchCommand) to download it (set FACEDB_MODELS to use another directory).",
            path: location)
    }

    /// A model file that is present but not the expected model.
    public static func modelCorrupt(_ file: ModelFile, path: String, _ reason: String) -> FaceDBError {
        FaceDBError(
            .modelCorrupt,
            "The model file \(file.fileName) at \(path) is corrupt: \(reason).",
            remedy: "Delete it and run \(ModelDirectory.fetchCommand) to download it again.",
            path: path)
    }

    /// Reads a model file whole, turning I/O failures into a FaceDB error.
    static func readModel(at path: String, file: ModelFile) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw FaceDBError(
                .io, "The model file \(file.fileName) at \(path) could not be read.",
                remedy: "Check the file's permissions, or run \(ModelDirectory.fetchCommand) to download it again.",
                path: path, cause: String(describing: error))
        }
    }
}
