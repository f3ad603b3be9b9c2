import FaceDBCore
import Foundation

/// The directory that holds the dlib model files, resolved exactly as `Tools/fetch-models` does:
/// `${FACEDB_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/facedb/models}`.
///
/// ```swift
/// let directory = ModelDirectory()
/// let path = try directory.path(of: .faceEmbedder)   // throws a model-missing error naming the fix
/// ```
public struct ModelDirectory: Hashable, Sendable {
    /// The command that downloads the models into the directory.
    public static let fetchCommand = "Tools/fetch-models"

    /// The directory's path.
    public var path: String

    /// Uses an explicit directory.
    public init(path: String) { self.path = path }

    /// Resolves the directory from the environment (by default the process's):
    /// `FACEDB_MODELS` if set and non-empty, else `$XDG_CACHE_HOME/facedb/models`, else
    /// `$HOME/.cache/facedb/models` (the shell's `${VAR:-default}` rule: empty counts as unset).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        if let models = value("FACEDB_MODELS") {
            path = models
        } else {
            let cache = value("XDG_CACHE_HOME") ?? ((value("HOME") ?? NSHomeDirectory()) + "/.cache")
            path = cache + "/facedb/models"
        }
    }

    /// Where `file` is expected, whether or not it exists.
    public func expectedPath(of file: ModelFile) -> String {
        (path as NSString).appendingPathComponent(file.fileName)
    }

    /// The path of `file`, checked to exist with the right size; with `verifyChecksum`, also the right SHA-256.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing`` when the file is absent,
    ///   ``FaceDBError/Code/modelCorrupt`` when its size or checksum is wrong. Both name the file,
    ///   where it was looked for and the command that fetches it.
    public func path(of file: ModelFile, verifyChecksum: Bool = false) throws -> String {
        let location = expectedPath(of: file)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FaceDBError.modelMissing(file, directory: path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: location)[.size] as? NSNumber)?.intValue ?? -1
        guard size == file.byteCount else {
            throw FaceDBError.modelCorrupt(
                file, path: location, "it has \(size) bytes instead of \(file.byteCount)")
        }
        if verifyChecksum {
            let data = try FaceDBError.readModel(at: location, file: file)
            let digest = data.withUnsafeBytes { Checksum.sha256Hex(of: UnsafeRawBufferPointer($0)) }
            guard digest == file.sha256 else {
                throw FaceDBError.modelCorrupt(
                    file, path: location, "its SHA-256 is \(digest) instead of \(file.sha256)")
            }
        }
        return location
    }
}
