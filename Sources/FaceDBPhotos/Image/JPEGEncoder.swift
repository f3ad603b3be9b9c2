import CImageCodecs
import FaceDBCore
import FaceDBNeural

/// Writes 8-bit RGB images as baseline JPEG through libjpeg-turbo (4:2:0 chroma subsampling, the
/// library's standard quantization tables scaled to a quality).
public enum JPEGEncoder {
    /// The quality used unless another is asked for.
    public static let defaultQuality = 90

    /// The JPEG bytes of `image` at `quality` (1…100).
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a quality outside 1…100;
    ///   ``FaceDBError/Code/imageTooLarge`` for a side above JPEG's 65 500 pixels;
    ///   ``FaceDBError/Code/imageCorrupt`` if libjpeg fails (it should not).
    public static func encode(_ image: RGBImage, quality: Int = defaultQuality) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw FaceDBError(
                .invalidArgument, "The JPEG quality \(quality) is not between 1 and 100.",
                remedy: "Give a quality from 1 (smallest) to 100 (best); 90 is the default.")
        }
        var info = fdb_image_info()
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer {
            fdb_jpeg_encode_rgb(
                $0.baseAddress, Int32(clamping: image.width), Int32(clamping: image.height), Int32(quality),
                &out, &size, &info)
        }
        defer { fdb_free(out) }
        guard status == Int32(FDB_CODEC_OK), let out else {
            let cause = withUnsafeBytes(of: info.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if status == Int32(FDB_CODEC_TOO_LARGE) {
                throw FaceDBError(
                    .imageTooLarge, "A \(image.width)×\(image.height) image is too large for a JPEG file (at most 65 500 pixels a side).",
                    remedy: "Write it as PNG instead.", cause: cause)
            }
            throw FaceDBError(
                .imageCorrupt, "A \(image.width)×\(image.height) image could not be encoded as JPEG.",
                remedy: "Write it as PNG instead.", cause: cause)
        }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
