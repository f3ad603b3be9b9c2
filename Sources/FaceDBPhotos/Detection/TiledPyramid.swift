import FaceDBCore
import FaceDBNeural

/// The detector's input: an image pyramid (factor 5/6, dlib's `pyramid_down<6>`) packed into one
/// tensor, as dlib's `input_rgb_image_pyramid` builds it (specification 4.2).
///
/// Level 0 is the image itself; the next levels go below it in a first column, then right-aligned
/// bottom-up beside them, 10 pixels apart, with an 11-pixel border. Values are
/// `(pixel − channel mean)/256` in float32 (0 = the mean colour); level i ≥ 1 is the bilinear resize
/// of the tile of level i − 1 (a cascade).
struct TiledPyramid {
    /// Padding between levels.
    static let padding = 10
    /// Border around the whole tensor.
    static let outerPadding = 11

    /// Tensor rows.
    let rows: Int
    /// Tensor columns.
    let columns: Int
    /// The placed levels' rectangles in tensor coordinates, level 0 first.
    let levels: [DlibRectangle]

    /// The layout for a `width × height` image (no pixels yet).
    init(width: Int, height: Int) {
        var sizes: [(h: Int, w: Int)] = [(height, width)]
        var h = height, w = width
        while true {
            h = Int((5.0 / 6.0 * Double(h)).rounded(.down))
            w = Int((5.0 / 6.0 * Double(w)).rounded(.down))
            if h * w == 0 || h < 5 { break }
            sizes.append((h, w))
        }
        let p = TiledPyramid.padding, o = TiledPyramid.outerPadding
        let totalHeight = sizes.reduce(0) { $0 + $1.h + p } - 2 * p
        var column = 0, prevWidth = 0
        for size in sizes {
            if size.w <= width - prevWidth - p && (column - height) * 2 >= totalHeight - height { break }
            column += size.h + p
            prevWidth = size.w
        }
        column -= p
        rows = column + 2 * o
        columns = width + 2 * o
        var rects: [DlibRectangle] = []
        var y = o, i = 0
        while y < column + o && i < sizes.count {
            rects.append(DlibRectangle(left: o, top: y, right: o + sizes[i].w - 1, bottom: y + sizes[i].h - 1))
            y += sizes[i].h + p
            i += 1
        }
        y -= p
        while i < sizes.count {
            let br = (x: o + width - 1, y: y - 1)
            let rect = DlibRectangle(left: br.x - (sizes[i].w - 1), top: br.y - (sizes[i].h - 1), right: br.x, bottom: br.y)
            if !rect.intersection(rects[0]).isEmpty { break }
            rects.append(rect)
            y -= sizes[i].h + p
            i += 1
        }
        levels = rects
    }

    /// Writes the pyramid of `image` (which must have this layout's size) into `tensor`
    /// (3 × rows × columns floats, any contents; it is zero outside the levels afterwards),
    /// channel 0 = R.
    ///
    /// The workers share the rows: first of level 0 and the padding, then of each level in turn
    /// (a level reads the whole level before it, so levels cannot overlap). Every value is computed
    /// the same way whatever the split.
    func fill(_ image: RGBImage, means: [Float], into tensor: UnsafeMutablePointer<Float>, workers: Int) {
        let out = SharedPointer(tensor), plane = rows * columns
        let l0 = levels[0]
        parallel(Self.workers(workers, rows: rows)) { [self] w, active in
            let share = rows * w / active..<rows * (w + 1) / active
            for c in 0..<3 {
                let base = out.base + c * plane
                zeroOutsideLevels(base, rows: share)
                // The image rows inside the share.
                let first = max(0, share.lowerBound - l0.top), end = min(image.height, share.upperBound - l0.top)
                guard first < end else { continue }
                image.pixels.withUnsafeBufferPointer { px in
                    for y in first..<end {
                        let dst = base + (l0.top + y) * columns + l0.left
                        let src = y * image.width * 3 + c
                        for x in 0..<image.width { dst[x] = (Float(px[src + 3 * x]) - means[c]) / 256 }
                    }
                }
            }
        }
        for i in 1..<levels.count {
            let s = levels[i - 1], d = levels[i]
            parallel(Self.workers(workers, rows: d.height)) { [self] w, active in
                let share = d.height * w / active..<d.height * (w + 1) / active
                for c in 0..<3 {
                    let base = out.base + c * plane
                    BilinearResize.resizePlane(
                        source: base + s.top * columns + s.left, sourceWidth: s.width, sourceHeight: s.height,
                        sourceStride: columns, destination: base + d.top * columns + d.left, width: d.width,
                        height: d.height, destinationStride: columns, rows: share)
                }
            }
        }
    }

    /// Workers for `rows` rows: at most `workers`, and one per 32 rows (small levels are not worth a handoff).
    private static func workers(_ workers: Int, rows: Int) -> Int { max(1, min(workers, rows / 32)) }

    /// Runs `body(w, active)` for `w` in `0 ..< active` on `active` threads.
    private func parallel(_ active: Int, _ body: @escaping @Sendable (Int, Int) -> Void) {
        if active == 1 { return body(0, 1) }
        FaceDBNeural.parallel(active) { body($0, active) }
    }

    /// Zeroes the plane's padding in `rows`: every pixel no level covers (the levels themselves are
    /// written in full, so a reused buffer needs nothing else cleared).
    private func zeroOutsideLevels(_ base: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let byLeft = levels.sorted { $0.left < $1.left }
        for y in rows {
            let row = base + y * columns
            var x = 0
            for level in byLeft where level.top <= y && y <= level.bottom {
                if level.left > x { (row + x).update(repeating: 0, count: level.left - x) }
                x = max(x, level.right + 1)
            }
            if x < columns { (row + x).update(repeating: 0, count: columns - x) }
        }
    }

    /// `tiled_pyramid_to_image` for a box in tensor coordinates: the level containing its rounded
    /// centre (or the nearest), made local, then scaled up by `point_up` of `pyramid_down<6>` once
    /// per level.
    func toImage(_ box: DoubleRectangle) -> DoubleRectangle {
        let cx = Int((box.centreX + 0.5).rounded(.down)), cy = Int((box.centreY + 0.5).rounded(.down))
        var best = 0
        if let inside = levels.firstIndex(where: { $0.contains(x: cx, y: cy) }) {
            best = inside
        } else {
            var bestDistance = Double.infinity
            for (i, r) in levels.enumerated() {
                let dx = Double(cx < r.left ? r.left - cx : (cx > r.right ? cx - r.right : 0))
                let dy = Double(cy < r.top ? r.top - cy : (cy > r.bottom ? cy - r.bottom : 0))
                let d = (dx * dx + dy * dy).squareRoot()
                if d < bestDistance { bestDistance = d; best = i }
            }
        }
        let level = levels[best]
        var r = DoubleRectangle(
            left: box.left - Double(level.left), top: box.top - Double(level.top),
            right: box.right - Double(level.left), bottom: box.bottom - Double(level.top))
        let ratio = 6.0 / (6.0 - 1.0)
        for _ in 0..<best {
            r = DoubleRectangle(
                left: r.left * ratio + 0.3, top: r.top * ratio + 0.3,
                right: r.right * ratio + 0.3, bottom: r.bottom * ratio + 0.3)
        }
        return r
    }
}
