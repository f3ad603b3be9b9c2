import FaceDBNeural

/// dlib's `pyramid_down<2>` and `pyramid_up` on 8-bit RGB images (specification 9.1, 9.4), and the
/// coordinate maps between pyramid levels.
package enum ImagePyramid {
    /// `pyramid_up`: the image doubled to `(2H + 1) × (2W + 2)` by the bilinear resize of
    /// ``BilinearResize/resize(_:width:height:workers:)`` (sizes from `point_up` of the image
    /// rectangle), its rows shared among `workers` threads.
    package static func up(_ image: RGBImage, workers: Int = 1) -> RGBImage {
        BilinearResize.resize(image, width: 2 * image.width + 2, height: 2 * image.height + 1, workers: workers)
    }

    /// `pyramid_down<2>`: a separable 5-tap [1 4 6 4 1] filter with decimation in integers, output
    /// `((H − 3)/2) × ((W − 3)/2)`; nil (dlib: an empty image) when H ≤ 8 or W ≤ 8.
    package static func down(_ image: RGBImage) -> RGBImage? {
        let w = image.width, h = image.height
        guard w > 8, h > 8 else { return nil }
        let ow = (w - 3) / 2, oh = (h - 3) / 2
        var temp = [Int32](repeating: 0, count: h * ow * 3)
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { t in
                for y in 0..<h {
                    let row = y * w * 3
                    for c in 0..<ow {
                        for ch in 0..<3 {
                            let p = row + 2 * c * 3 + ch
                            let s = Int32(src[p]) + 4 * Int32(src[p + 3]) + 6 * Int32(src[p + 6]) + 4 * Int32(src[p + 9]) + Int32(src[p + 12])
                            t[(y * ow + c) * 3 + ch] = s
                        }
                    }
                }
                out.withUnsafeMutableBufferPointer { dst in
                    let rs = ow * 3
                    for j in 0..<oh {
                        let base = 2 * j * rs
                        for i in 0..<rs {
                            let s = t[base + i] + 4 * t[base + rs + i] + 6 * t[base + 2 * rs + i] + 4 * t[base + 3 * rs + i] + t[base + 4 * rs + i]
                            dst[j * rs + i] = UInt8(s / 256)
                        }
                    }
                }
            }
        }
        return try! RGBImage(width: ow, height: oh, pixels: out)
    }

    /// `pyramid_down<2>::point_down`: a point of a level mapped to the next smaller level.
    package static func pointDown(x: Double, y: Double) -> (x: Double, y: Double) { (x / 2 - 1.25, y / 2 - 0.75) }

    /// `pyramid_down<2>::point_up`: a point of a level mapped to the next larger level.
    package static func pointUp(x: Double, y: Double) -> (x: Double, y: Double) { ((x + 1.25) * 2, (y + 0.75) * 2) }
}
