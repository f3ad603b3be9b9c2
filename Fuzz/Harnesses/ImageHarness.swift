import FaceDBVision

/// The JPEG and PNG decoders (libjpeg-turbo and libpng behind `CImageCodecs`, and the EXIF
/// orientation), the way `enroll` and `identify` read photos. One function serves both harnesses;
/// their seed corpora differ.
enum ImageHarness {
    /// A lower pixel limit than the default, so that each run stays fast and small; the limit's
    /// code path is the same.
    static let decoder = ImageDecoder(maxPixelCount: 1 << 22, maxScans: 1000)

    static func decode(_ input: [UInt8]) throws {
        let image = try decoder.decode(input, source: "fuzz input")
        precondition(image.width > 0 && image.height > 0 && image.width * image.height <= 1 << 22)
    }
}
