import CImageCodecs
import FaceDBCore
import FaceDBNeural
import Foundation

/// Decodes JPEG and PNG files into 8-bit RGB exactly as Pillow's
/// `ImageOps.exif_transpose(Image.open(f)).convert("RGB")` does, which is what the dlib reference
/// pipeline was fed.
///
/// * JPEG (baseline, progressive, grayscale, CMYK/YCCK) through libjpeg-turbo, PNG (1–16 bit, gray,
///   palette, alpha) through libpng. Gray is replicated into R = G = B, alpha is dropped (not
///   composited), CMYK is converted with Pillow's formula.
/// * The EXIF orientation (JPEG APP1, PNG eXIf) is applied, so phone photos come out upright.
/// * Hostile files: the pixel count is checked against ``maxPixelCount`` from the header, before
///   the pixel buffer is allocated; progressive JPEGs may have at most ``maxScans`` scans; truncated
///   or damaged files throw ``FaceDBError/Code/imageCorrupt``. The C libraries' fatal-error jumps
///   never leave the C shim.
///
/// ```swift
/// let image = try ImageDecoder().decode(contentsOf: "/photos/a.jpg")
/// ```
public struct ImageDecoder: Sendable {
    /// The file formats the decoder recognises by their first bytes.
    public enum Format: String, Sendable {
        /// JPEG (`FF D8 FF`).
        case jpeg
        /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
        case png
    }

    /// The default pixel limit: 100 megapixels (a 100 MP photo decodes to 300 MB of RGB).
    public static let defaultMaxPixelCount = 100_000_000

    /// Images with more pixels than this are refused before their pixels are allocated.
    public var maxPixelCount: Int
    /// Progressive JPEGs with more scans than this are refused (real files have about 10).
    public var maxScans: Int
    /// Whether the EXIF orientation is applied (Pillow's `exif_transpose`); true by default.
    public var appliesExifOrientation: Bool

    /// Makes a decoder with the given limits.
    public init(maxPixelCount: Int = ImageDecoder.defaultMaxPixelCount, maxScans: Int = 1000, appliesExifOrientation: Bool = true) {
        self.maxPixelCount = maxPixelCount
        self.maxScans = maxScans
        self.appliesExifOrientation = appliesExifOrientation
    }

    /// The format of `bytes` from its signature, or nil.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        return nil
    }

    /// Reads and decodes the file at `path`.
    ///
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be read, else as ``decode(_:source:)``.
    public func decode(contentsOf path: String) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FaceDBError(
                .io, "The image \(path) could not be read.",
                remedy: "Check that the file exists and is readable.", path: path, cause: String(describing: error))
        }
        return try decode([UInt8](data), source: path)
    }

    /// Decodes the bytes of a JPEG or PNG file; `source` names it in error messages.
    ///
    /// - Throws: ``FaceDBError/Code/unsupportedImage`` (not JPEG/PNG, or an unsupported variant),
    ///   ``FaceDBError/Code/imageTooLarge`` (over ``maxPixelCount`` or ``maxScans``),
    ///   ``FaceDBError/Code/imageCorrupt`` (truncated or damaged).
    public func decode(_ bytes: [UInt8], source: String = "the image") throws -> RGBImage {
        guard let format = ImageDecoder.format(of: bytes) else {
            throw FaceDBError(
                .unsupportedImage, "\(source) is neither a JPEG nor a PNG file.",
                remedy: "Convert it to JPEG or PNG.", path: source)
        }
        var info = fdb_image_info()
        var exif = [UInt8](repeating: 0, count: 65536)
        var exifLength = 0
        let headerStatus = bytes.withUnsafeBufferPointer { data in
            exif.withUnsafeMutableBufferPointer { e in
                format == .jpeg
                    ? fdb_jpeg_info(data.baseAddress, data.count, &info, e.baseAddress, e.count, &exifLength)
                    : fdb_png_info(data.baseAddress, data.count, &info, e.baseAddress, e.count, &exifLength)
            }
        }
        try check(headerStatus, info: info, format: format, source: source)
        let width = Int(info.width), height = Int(info.height)
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels > 0, pixels <= maxPixelCount else {
            throw tooLarge(width: width, height: height, source: source)
        }
        var rgb = [UInt8](repeating: 0, count: pixels * 3)
        let status = bytes.withUnsafeBufferPointer { data in
            rgb.withUnsafeMutableBufferPointer { out in
                format == .jpeg
                    ? fdb_jpeg_decode(
                        data.baseAddress, data.count, UInt64(maxPixelCount), Int32(clamping: maxScans), out.baseAddress, out.count, &info)
                    : fdb_png_decode(data.baseAddress, data.count, UInt64(maxPixelCount), out.baseAddress, out.count, &info)
            }
        }
        try check(status, info: info, format: format, source: source)
        let image = try RGBImage(width: width, height: height, pixels: rgb)
        guard appliesExifOrientation, exifLength > 0,
            let orientation = ExifOrientation.parse(exif: Array(exif[0..<exifLength]))
        else { return image }
        return orientation.apply(to: image)
    }

    private func tooLarge(width: Int, height: Int, source: String) -> FaceDBError {
        FaceDBError(
            .imageTooLarge,
            "\(source) is \(width)×\(height) pixels, more than the decoder's limit of \(maxPixelCount) pixels.",
            remedy: "Scale the image down, or raise ImageDecoder.maxPixelCount if the file is trusted.", path: source)
    }

    private func check(_ status: Int32, info: fdb_image_info, format: Format, source: String) throws {
        let cause: String? = withUnsafeBytes(of: info.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? nil : text
        }
        let name = format == .jpeg ? "JPEG" : "PNG"
        switch Int(status) {
        case Int(FDB_CODEC_OK): return
        case Int(FDB_CODEC_TRUNCATED):
            throw FaceDBError(
                .imageCorrupt, "\(source) is a truncated \(name) file: the data ends before the image does.",
                remedy: "Copy or download the file again.", path: source, cause: cause)
        case Int(FDB_CODEC_UNSUPPORTED):
            throw FaceDBError(
                .unsupportedImage, "\(source) is a \(name) variant that FaceDB does not decode.",
                remedy: "Convert it to a baseline JPEG or an 8-bit PNG.", path: source, cause: cause)
        case Int(FDB_CODEC_TOO_LARGE):
            if info.width > 0, info.height > 0, Int(info.width) * Int(info.height) > maxPixelCount {
                throw tooLarge(width: Int(info.width), height: Int(info.height), source: source)
            }
            throw FaceDBError(
                .imageTooLarge, "\(source) is too large or too complex to decode (limit: \(maxPixelCount) pixels, \(maxScans) scans).",
                remedy: "Re-encode the image, or raise the decoder's limits if the file is trusted.", path: source, cause: cause)
        case Int(FDB_CODEC_NO_MEMORY):
            throw FaceDBError(
                .imageTooLarge, "There was not enough memory to decode \(source).",
                remedy: "Scale the image down or lower ImageDecoder.maxPixelCount.", path: source, cause: cause)
        default:
            throw FaceDBError(
                .imageCorrupt, "\(source) is not a valid \(name) file (the data is damaged).",
                remedy: "Re-export or download the file again.", path: source, cause: cause)
        }
    }
}
