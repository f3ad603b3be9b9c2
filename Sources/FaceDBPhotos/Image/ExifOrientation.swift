import FaceDBNeural

/// The EXIF orientation tag (0x0112): how the stored pixels must be turned to show the photo upright.
///
/// Values and transforms follow Pillow's `ImageOps.exif_transpose` (2 = mirror, 3 = rotate 180°,
/// 4 = flip, 5 = transpose, 6 = rotate 90° clockwise, 7 = transverse, 8 = rotate 90° counter-clockwise).
public enum ExifOrientation: Int, Sendable, CaseIterable {
    /// Stored upright.
    case up = 1
    /// Mirrored left–right.
    case upMirrored = 2
    /// Upside down.
    case down = 3
    /// Mirrored top–bottom.
    case downMirrored = 4
    /// Mirrored along the main diagonal.
    case leftMirrored = 5
    /// Stored turned 90° counter-clockwise: shown after turning 90° clockwise.
    case right = 6
    /// Mirrored along the anti-diagonal.
    case rightMirrored = 7
    /// Stored turned 90° clockwise: shown after turning 90° counter-clockwise.
    case left = 8

    /// Reads the orientation from a TIFF-structured EXIF payload (starting at "II*\0" or "MM\0*"):
    /// tag 0x0112 of IFD0. Returns nil when absent, malformed or not 1…8. Every read is bounds-checked.
    public static func parse(exif bytes: [UInt8]) -> ExifOrientation? {
        guard bytes.count >= 8 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry), let type = u16(entry + 2) else { return nil }
            guard tag == 0x0112 else { continue }
            let value: Int?
            switch type {
            case 3: value = u16(entry + 8)  // SHORT
            case 4: value = u32(entry + 8)  // LONG
            default: value = nil
            }
            return value.flatMap { ExifOrientation(rawValue: $0) }
        }
        return nil
    }

    /// `image` turned upright.
    public func apply(to image: RGBImage) -> RGBImage {
        if self == .up { return image }
        let w = image.width, h = image.height
        let swaps = rawValue >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        // The source pixel shown at (ox, oy).
                        let sx: Int, sy: Int
                        switch self {
                        case .up: (sx, sy) = (ox, oy)
                        case .upMirrored: (sx, sy) = (w - 1 - ox, oy)
                        case .down: (sx, sy) = (w - 1 - ox, h - 1 - oy)
                        case .downMirrored: (sx, sy) = (ox, h - 1 - oy)
                        case .leftMirrored: (sx, sy) = (oy, ox)
                        case .right: (sx, sy) = (oy, h - 1 - ox)
                        case .rightMirrored: (sx, sy) = (w - 1 - oy, h - 1 - ox)
                        case .left: (sx, sy) = (w - 1 - oy, ox)
                        }
                        let s = (sy * w + sx) * 3, d = (oy * ow + ox) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return try! RGBImage(width: ow, height: oh, pixels: out)
    }
}
