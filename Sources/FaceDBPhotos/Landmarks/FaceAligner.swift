import FaceDBNeural
import Foundation

/// Aligned face chips as dlib's `get_face_chip_details` + `extract_image_chips` make them
/// (specification 7): the 5 landmarks are mapped onto a fixed template by a similarity transform,
/// and the chip is sampled bilinearly from the photo — from a half-size `pyramid_down<2>` level
/// when the face is large, with black pixels where the sample leaves the working region.
/// Chips are byte-identical to dlib's for the same decoded image.
package enum FaceAligner {
    /// dlib's 5-point template (normalised), in the landmark order of ``FaceLandmarks``.
    static let template5: [(x: Double, y: Double)] = [
        (0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677),
        (0.1205750620789, 0.2137274526848), (0.3340850613712, 0.2290642403242),
        (0.4901123135679, 0.6277975316475),
    ]

    /// The chip rectangle and angle for `landmarks` (5 points) with chip side `size` and `padding`
    /// (face_recognition: 150 and 0.25).
    package static func chipDetails(for landmarks: FaceLandmarks, size: Int = 150, padding: Double = 0.25) -> ChipDetails {
        precondition(landmarks.points.count == template5.count, "the chip template needs the 5-point landmarks")
        let s = Double(size)
        let from = template5.map { (x: ((padding + $0.x) / (2 * padding + 1)) * s, y: ((padding + $0.y) / (2 * padding + 1)) * s) }
        let to = landmarks.points.map { (x: Double($0.x), y: Double($0.y)) }
        let fit = SimilarityTransform(from: from, to: to)
        // v = M·(1, 0) = (a, b).
        let angle = atan2(fit.b, fit.a)
        let scale = (fit.a * fit.a + fit.b * fit.b).squareRoot()
        let half = s / 2
        let cx = (fit.a * half + (-fit.b) * half) + fit.tx
        let cy = (fit.b * half + fit.a * half) + fit.ty
        let side = s * scale
        let r = DoubleRectangle.centred(x: cx, y: cy, width: side, height: side)
        return ChipDetails(left: r.left, top: r.top, right: r.right, bottom: r.bottom, angle: angle, size: size)
    }

    /// The aligned chip of the face with `landmarks` (dlib's `get_face_chip(img, shape, size, padding)`).
    package static func chip(from image: RGBImage, landmarks: FaceLandmarks, size: Int = 150, padding: Double = 0.25) -> RGBImage {
        extractChip(from: image, details: chipDetails(for: landmarks, size: size, padding: padding))
    }

    /// Cuts the chip described by `details` out of `image` (one chip per call, as face_recognition does).
    package static func extractChip(from image: RGBImage, details: ChipDetails) -> RGBImage {
        let size = details.size
        let n = Double(size * size)
        let rect = details.rectangle
        var out = [UInt8](repeating: 0, count: size * size * 3)

        // 1. The shortcut: no rotation and exactly the chip's size — a plain copy.
        if details.angle == 0, Double(size) == rect.bottom - rect.top + 1, Double(size) == rect.right - rect.left + 1 {
            let r = rect.rounded
            for y in 0..<size {
                for x in 0..<size {
                    let sx = r.left + x, sy = r.top + y
                    guard sx >= 0, sy >= 0, sx < image.width, sy < image.height else { continue }
                    for c in 0..<3 { out[(y * size + x) * 3 + c] = image.pixels[(sy * image.width + sx) * 3 + c] }
                }
            }
            return try! RGBImage(width: size, height: size, pixels: out)
        }

        // 2. Pyramid depth and the margin it needs.
        var d = rect.pointDown
        var depth = 0
        var grow = 2.0
        while d.area > n {
            d = d.pointDown
            depth += 1
            grow = 2 * grow + 2
        }

        // 3. The working region: the rotated square's bounding box, grown, clipped to the image.
        let cosA = cos(details.angle), sinA = sin(details.angle)
        func rotate(_ x: Double, _ y: Double, about c: (x: Double, y: Double)) -> (x: Double, y: Double) {
            let dx = x - c.x, dy = y - c.y
            return (cosA * dx - sinA * dy + c.x, sinA * dx + cosA * dy + c.y)
        }
        let centre = (x: rect.centreX, y: rect.centreY)
        let corners = [
            rotate(rect.left, rect.top, about: centre), rotate(rect.right, rect.top, about: centre),
            rotate(rect.left, rect.bottom, about: centre), rotate(rect.right, rect.bottom, about: centre),
        ]
        var region = DoubleRectangle(
            left: corners.map(\.x).min()! - grow, top: corners.map(\.y).min()! - grow,
            right: corners.map(\.x).max()! + grow, bottom: corners.map(\.y).max()! + grow)
        region = DoubleRectangle(
            left: max(region.left, 0), top: max(region.top, 0),
            right: min(region.right, Double(image.width - 1)), bottom: min(region.bottom, Double(image.height - 1)))
        let b = region.rounded
        guard !b.isEmpty else { return try! RGBImage(width: size, height: size, pixels: out) }
        let sub = crop(image, b)

        // 4–5. The pyramid and the level the chip is sampled from.
        var r2 = DoubleRectangle(
            left: rect.left - Double(b.left), top: rect.top - Double(b.top),
            right: rect.right - Double(b.left), bottom: rect.bottom - Double(b.top))
        var level = -1
        while r2.pointDown.area > n {
            level += 1
            r2 = r2.pointDown
        }
        var source: RGBImage? = sub
        if level >= 0 {
            source = ImagePyramid.down(sub)
            var i = 0
            while i < level, let s = source {
                source = ImagePyramid.down(s)
                i += 1
            }
        }
        guard let src = source else { return try! RGBImage(width: size, height: size, pixels: out) }

        // 6–7. The affine map from chip pixels to source points, and bilinear sampling.
        let c2 = (x: r2.centreX, y: r2.centreY)
        let tl = rotate(r2.left, r2.top, about: c2), tr = rotate(r2.right, r2.top, about: c2), bl = rotate(r2.left, r2.bottom, about: c2)
        let last = Double(size - 1)
        let sw = src.width, sh = src.height
        src.pixels.withUnsafeBufferPointer { px in
            for row in 0..<size {
                for col in 0..<size {
                    let c = Double(col), r = Double(row)
                    let x = tl.x + c * (tr.x - tl.x) / last + r * (bl.x - tl.x) / last
                    let y = tl.y + c * (tr.y - tl.y) / last + r * (bl.y - tl.y) / last
                    let left = Int(x.rounded(.down)), top = Int(y.rounded(.down))
                    guard left >= 0, top >= 0, left + 1 < sw, top + 1 < sh else { continue }
                    let lr = x - Double(left), tb = y - Double(top)
                    let i00 = (top * sw + left) * 3, i01 = i00 + 3, i10 = i00 + sw * 3, i11 = i10 + 3
                    for ch in 0..<3 {
                        let v =
                            (1 - tb) * ((1 - lr) * Double(px[i00 + ch]) + lr * Double(px[i01 + ch]))
                            + tb * ((1 - lr) * Double(px[i10 + ch]) + lr * Double(px[i11 + ch]))
                        out[(row * size + col) * 3 + ch] = UInt8(Int(v))
                    }
                }
            }
        }
        return try! RGBImage(width: size, height: size, pixels: out)
    }

    /// The pixels of `rect` (inside the image).
    static func crop(_ image: RGBImage, _ rect: DlibRectangle) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: rect.width * rect.height * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<rect.height {
                let s = ((rect.top + y) * image.width + rect.left) * 3
                for i in 0..<(rect.width * 3) { pixels[y * rect.width * 3 + i] = src[s + i] }
            }
        }
        return try! RGBImage(width: rect.width, height: rect.height, pixels: pixels)
    }
}
