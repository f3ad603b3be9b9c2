import FaceDBCore
import FaceDBNeural

/// The image formats FaceDB writes, chosen by a file's extension: `.png` (lossless) or
/// `.jpg`/`.jpeg` (JPEG at ``JPEGEncoder/defaultQuality``).
public enum ImageFileFormat: String, Sendable, CaseIterable {
    /// Lossless PNG (``PNGEncoder``).
    case png
    /// JPEG (``JPEGEncoder``).
    case jpeg

    /// The format a path's extension names (case-insensitive).
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for any other extension, or none.
    public init(path: String) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name.split(separator: ".", omittingEmptySubsequences: false).last!).lowercased() : ""
        switch ext {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default:
            throw FaceDBError(
                .invalidArgument,
                ext.isEmpty
                    ? "\(path) has no extension to say which image format to write."
                    : "FaceDB cannot write .\(ext) images (\(path)).",
                remedy: "Name the output .png (lossless) or .jpg/.jpeg (JPEG, quality 90).", path: path)
        }
    }

    /// The bytes of `image` in this format.
    /// - Throws: the encoder's error (see ``PNGEncoder/encode(_:)``, ``JPEGEncoder/encode(_:quality:)``).
    public func encode(_ image: RGBImage) throws -> [UInt8] {
        switch self {
        case .png: return try PNGEncoder.encode(image)
        case .jpeg: return try JPEGEncoder.encode(image)
        }
    }

    /// Writes `image` at `path` in the format its extension names, atomically (``OutputFile``:
    /// a temporary file renamed into place). The caller checks the path (``OutputPathGuard``).
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an extension other than .png/.jpg/.jpeg;
    ///   ``FaceDBError/Code/io`` when the file cannot be written.
    public static func write(_ image: RGBImage, to path: String) throws {
        try OutputFile.write(try ImageFileFormat(path: path).encode(image), to: path)
    }
}
