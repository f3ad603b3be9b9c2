import FaceDBCore
import FaceDBPhotos

/// The JPEG and PNG decoders (libjpeg-turbo and libpng behind `CImageCodecs`, and the EXIF
/// orientation), the way `enroll` and `identify` read photos.
enum ImageHarness {
    /// A lower pixel limit than the default, so that each run stays fast and small; the limit's
    /// code path is the same.
    static let decoder = ImageDecoder(maxPixelCount: 1 << 22, maxScans: 1000)

    static func decode(_ input: [UInt8]) throws {
        let image = try decoder.decode(input, source: "fuzz input")
        precondition(image.width > 0 && image.height > 0 && image.width * image.height <= 1 << 22)
    }

    /// PNG: the input as is, then (when they differ) with every chunk's CRC recomputed: libpng
    /// refuses a critical chunk with a bad CRC, so nearly every mutation would stop there.
    static func decodePNG(_ input: [UInt8]) throws {
        let fixed = PNGChunks.withValidCRCs(input)
        if fixed != input {
            do { try decode(input) } catch is FaceDBError {}
        }
        try decode(fixed)
    }
}

/// Walks the chunks of a PNG file (length, type, data, CRC) to recompute their CRCs.
enum PNGChunks {
    static func withValidCRCs(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 8, ImageDecoder.format(of: bytes) == .png else { return bytes }
        var out = bytes
        var offset = 8
        while offset + 12 <= out.count {
            let length = out[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 8 + length  // the CRC's offset
            guard length <= 0x7FFF_FFFF, end + 4 <= out.count else { break }
            let crc = crc32(out[(offset + 4)..<end])
            for i in 0..<4 { out[end + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
            offset = end + 4
        }
        return out
    }

    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}
