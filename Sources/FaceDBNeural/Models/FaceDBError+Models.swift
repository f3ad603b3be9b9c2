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
    package static func readModel(at path: String, file: ModelFile) throws -> Data {
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

extension DlibDecoder {
    /// Reads the model file `file` at `path` and parses it with `parse`, the one way every dlib
    /// model reader opens its file.
    ///
    /// - Parameter format: the format's name in the error for a file that does not parse, e.g.
    ///   "the dlib ResNet format".
    /// - Throws: ``FaceDBError/Code/modelMissing``, ``FaceDBError/Code/io`` or
    ///   ``FaceDBError/Code/modelCorrupt`` (naming the offset and what was expected).
    package static func readModel<Model>(
        at path: String, file: ModelFile, format: String, _ parse: (inout DlibDecoder) throws -> Model
    ) throws -> Model {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FaceDBError.modelMissing(file, directory: (path as NSString).deletingLastPathComponent)
        }
        let data = try FaceDBError.readModel(at: path, file: file)
        return try parseModel([UInt8](data), path: path, file: file, format: format, parse)
    }

    /// Parses the bytes of a model file with `parse`; a decoding failure becomes
    /// ``FaceDBError/Code/modelCorrupt`` naming `path` (other errors pass through).
    package static func parseModel<Model>(
        _ bytes: [UInt8], path: String, file: ModelFile, format: String, _ parse: (inout DlibDecoder) throws -> Model
    ) throws -> Model {
        var decoder = DlibDecoder(bytes: bytes)
        do {
            return try parse(&decoder)
        } catch let failure as DlibDecoder.Failure {
            let reason =
                failure.truncated
                ? "it is truncated (\(bytes.count) bytes; \(failure.description))"
                : "it does not match \(format) \(failure.description)"
            throw FaceDBError.modelCorrupt(file, path: path, reason)
        }
    }
}
