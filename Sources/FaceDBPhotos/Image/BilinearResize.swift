import FaceDBCore
import FaceDBNeural

/// dlib's `resize_image` with bilinear interpolation, emulating its 4-lane SIMD code bit for bit
/// (specification 9.2): an 8-bit RGB variant (used by `pyramid_up`) and a float-plane variant
/// (used to fill the detector's tiled pyramid).
///
/// Columns come in two parts. Part A handles groups of four columns with float32 lane arithmetic
/// (lane positions accumulated in float32, truncated to integers, float32 weights, no fused
/// multiply-add); it stops before the first group whose last lane's right neighbour would leave
/// the source. Part B finishes the remaining columns in double precision. Rows are accumulated in
/// double. Keep this code literal: it is what makes pyramids, detections and chips reproducible.
package enum BilinearResize {
    /// The per-row vertical parameters: top and bottom source rows and the double fraction.
    private struct Row {
        var top: Int
        var bottom: Int
        var fraction: Double
    }

    private static func rows(sourceHeight: Int, height: Int) -> [Row] {
        let ys = Double(sourceHeight - 1) / Double(max(height - 1, 1))
        var y = -ys
        var rows: [Row] = []
        rows.reserveCapacity(height)
        for _ in 0..<height {
            y += ys
            let top = Int(y.rounded(.down))
            rows.append(Row(top: top, bottom: min(top + 1, sourceHeight - 1), fraction: y - Double(top)))
        }
        return rows
    }

    /// Part A's lane positions: for each processed group, the four truncated left columns and
    /// float fractions; stops before the first group whose lane 3 has left + 1 ≥ sourceWidth.
    private static func laneGroups(sourceWidth: Int, width: Int) -> (left: [Int32], fraction: [Float], groups: Int) {
        let xs = Double(sourceWidth - 1) / Double(max(width - 1, 1))
        let x = -4 * xs
        var lanes = (Float(x), Float(x + xs), Float(x + 2 * xs), Float(x + 3 * xs))
        let step = Float(4 * xs)
        var left: [Int32] = [], fraction: [Float] = []
        var groups = 0
        // dlib's loop has no column bound of its own: it stops on the source edge (the destination
        // is never narrower than what the source edge allows for these callers); bound it anyway.
        while 4 * groups + 3 < width + 4 {
            lanes.0 += step; lanes.1 += step; lanes.2 += step; lanes.3 += step
            let l = (Int32(lanes.0), Int32(lanes.1), Int32(lanes.2), Int32(lanes.3))
            if Int(l.3) + 1 >= sourceWidth { break }
            if 4 * groups + 3 >= width { break }
            left += [l.0, l.1, l.2, l.3]
            fraction += [lanes.0 - Float(l.0), lanes.1 - Float(l.1), lanes.2 - Float(l.2), lanes.3 - Float(l.3)]
            groups += 1
        }
        return (left, fraction, groups)
    }

    /// Resizes an RGB image to `width × height` (dlib's `resize_image(src, dest)` on `rgb_pixel`).
    ///
    /// - Parameter workers: threads to share the rows among (each row is computed the same either way).
    package static func resize(_ image: RGBImage, width: Int, height: Int, workers: Int = 1) -> RGBImage {
        precondition(width > 0 && height > 0, "empty destination")
        let sw = image.width
        let xs = Double(sw - 1) / Double(max(width - 1, 1))
        let rowList = rows(sourceHeight: image.height, height: height)
        let (laneLeft, laneFraction, groups) = laneGroups(sourceWidth: sw, width: width)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                let src = SharedPointer(source.baseAddress!), dst = SharedPointer(destination.baseAddress!)
                let active = max(1, min(workers, height / 64))
                parallel(active) { w in
                    let src = src.base, dst = dst.base
                    for r in (height * w / active)..<(height * (w + 1) / active) {
                        let row = rowList[r]
                        let a = Float(1 - row.fraction), b = Float(row.fraction)
                        let top = row.top * sw * 3, bottom = row.bottom * sw * 3
                        let outRow = r * width * 3
                        for c in 0..<(4 * groups) {
                            let left = Int(laneLeft[c]), frac = laneFraction[c]
                            let ifrac = 1 - frac
                            let wTL = a * ifrac, wTR = a * frac, wBL = b * ifrac, wBR = b * frac
                            for ch in 0..<3 {
                                let tl = Float(src[top + left * 3 + ch]), tr = Float(src[top + (left + 1) * 3 + ch])
                                let bl = Float(src[bottom + left * 3 + ch]), br = Float(src[bottom + (left + 1) * 3 + ch])
                                var v = wTL * tl
                                v = v + wTR * tr
                                v = v + wBL * bl
                                v = v + wBR * br
                                dst[outRow + c * 3 + ch] = UInt8(Int32(v))
                            }
                        }
                        var x = -xs + Double(4 * groups) * xs
                        let tb = row.fraction
                        for c in (4 * groups)..<width {
                            x += xs
                            let left = Int(x.rounded(.down)), right = min(left + 1, sw - 1)
                            let lr = x - Double(left)
                            for ch in 0..<3 {
                                let tl = Double(src[top + left * 3 + ch]), tr = Double(src[top + right * 3 + ch])
                                let bl = Double(src[bottom + left * 3 + ch]), br = Double(src[bottom + right * 3 + ch])
                                let v = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br)
                                dst[outRow + c * 3 + ch] = UInt8(Int(v))
                            }
                        }
                    }
                }
            }
        }
        return try! RGBImage(width: width, height: height, pixels: out)
    }

    /// Resizes one float plane (`sourceWidth × sourceHeight`, row stride `sourceStride`) into
    /// `destination` (`width × height`, row stride `destinationStride`): dlib's float variant.
    ///
    /// - Parameter rows: the destination rows to compute (all by default); each row is computed the
    ///   same way whichever others are.
    package static func resizePlane(
        source: UnsafePointer<Float>, sourceWidth sw: Int, sourceHeight sh: Int, sourceStride: Int,
        destination: UnsafeMutablePointer<Float>, width: Int, height: Int, destinationStride: Int,
        rows computed: Range<Int>? = nil
    ) {
        let xs = Double(sw - 1) / Double(max(width - 1, 1))
        let rowList = rows(sourceHeight: sh, height: height)
        let (laneLeft, laneFraction, groups) = laneGroups(sourceWidth: sw, width: width)
        for r in computed ?? 0..<height {
            let row = rowList[r]
            let a = Float(1 - row.fraction), b = Float(row.fraction)
            let top = source + row.top * sourceStride, bottom = source + row.bottom * sourceStride
            let dst = destination + r * destinationStride
            for c in 0..<(4 * groups) {
                let left = Int(laneLeft[c]), frac = laneFraction[c]
                let ifrac = 1 - frac
                let wTL = a * ifrac, wTR = a * frac, wBL = b * ifrac, wBR = b * frac
                var v = wTL * top[left]
                v = v + wTR * top[left + 1]
                v = v + wBL * bottom[left]
                v = v + wBR * bottom[left + 1]
                dst[c] = v
            }
            var x = -xs + Double(4 * groups) * xs
            let tb = row.fraction
            for c in (4 * groups)..<width {
                x += xs
                let left = Int(x.rounded(.down)), right = min(left + 1, sw - 1)
                let lrf = Float(x - Double(left))
                let ta = (1 - lrf) * top[left], tbv = lrf * top[right]
                let av = ta + tbv
                let ba = (1 - lrf) * bottom[left], bb = lrf * bottom[right]
                let bv = ba + bb
                dst[c] = Float((1 - tb) * Double(av) + tb * Double(bv))
            }
        }
    }
}
