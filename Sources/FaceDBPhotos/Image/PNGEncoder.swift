import CImageCodecs
import FaceDBCore
import FaceDBNeural

/// Writes 8-bit RGB images as lossless PNG (libpng's simplified writer).
public enum PNGEncoder {
    /// The PNG bytes of `image`.
    ///
    /// - Throws: ``FaceDBError/Code/imageCorrupt`` if libpng refuses the image (it should not).
    public static func encode(_ image: RGBImage) throws -> [UInt8] {
        var info = fdb_image_info()
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer {
            fdb_png_encode_rgb($0.baseAddress, Int32(image.width), Int32(image.height), &out, &size, &info)
        }
        defer { fdb_free(out) }
        guard status == Int32(FDB_CODEC_OK), let out else {
            throw FaceDBError(.imageCorrupt, "A \(image.width)×\(image.height) image could not be encoded as PNG.")
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Writes `image` as a PNG file at `path`, atomically (``OutputFile``: a temporary file in the
    /// same directory, fsynced and renamed into place).
    ///
    /// - Throws: ``FaceDBError/Code/io`` when the file cannot be written.
    public static func write(_ image: RGBImage, to path: String) throws {
        try OutputFile.write(try encode(image), to: path)
    }
}
