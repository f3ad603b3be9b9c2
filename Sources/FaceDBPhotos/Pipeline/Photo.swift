import FaceDBNeural
import Foundation

/// A photo to analyze: a file, its bytes (as a service receives an upload), or an image already
/// decoded. Every photo call of ``FacePipeline`` and ``FaceDatabase`` takes one, with the same
/// decoding limits, quality gate and identity checks whatever its form.
public enum Photo: Sendable {
    /// A JPEG or PNG file.
    case file(String)
    /// The bytes of a JPEG or PNG file; `name` names it in errors and outcomes (a file name, an
    /// upload id), and is not stored as a path.
    case bytes([UInt8], name: String)
    /// A decoded image; `name` names it in errors and outcomes.
    case image(RGBImage, name: String)

    /// The bytes of a JPEG or PNG file held in `Data`.
    public static func data(_ data: Data, name: String) -> Photo { .bytes([UInt8](data), name: name) }

    /// The file's path, or the name given with the bytes or image.
    public var name: String {
        switch self {
        case .file(let path): path
        case .bytes(_, let name), .image(_, let name): name
        }
    }

    /// The path recorded in a face's provenance: only a file has one.
    public var path: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}
