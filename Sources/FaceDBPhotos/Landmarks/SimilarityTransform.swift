/// A 2-D similarity transform `p ↦ M p + t` with `M = [[a, −b], [b, a]]` (rotation and uniform
/// scale), fitted by least squares as dlib's `find_similarity_transform` (Umeyama 1991; in 2-D its
/// closed form, specification 7.2).
package struct SimilarityTransform: Equatable, Sendable {
    /// `M[0][0] = M[1][1]`.
    package var a: Double
    /// `M[1][0] = −M[0][1]`.
    package var b: Double
    /// Translation x.
    package var tx: Double
    /// Translation y.
    package var ty: Double

    /// The least-squares similarity taking `from[i]` to `to[i]` (both non-empty, same count),
    /// computed in double on centred coordinates. When all `from` points coincide, M = I.
    package init(from: [(x: Double, y: Double)], to: [(x: Double, y: Double)]) {
        precondition(from.count == to.count && !from.isEmpty, "point lists differ in length")
        let n = Double(from.count)
        var mfx = 0.0, mfy = 0.0, mtx = 0.0, mty = 0.0
        for i in from.indices {
            mfx += from[i].x; mfy += from[i].y; mtx += to[i].x; mty += to[i].y
        }
        mfx /= n; mfy /= n; mtx /= n; mty /= n
        var sa = 0.0, sb = 0.0, norm = 0.0
        for i in from.indices {
            let fx = from[i].x - mfx, fy = from[i].y - mfy, tx = to[i].x - mtx, ty = to[i].y - mty
            sa += fx * tx + fy * ty
            sb += fx * ty - fy * tx
            norm += fx * fx + fy * fy
        }
        if norm == 0 {
            a = 1; b = 0
        } else {
            a = sa / norm; b = sb / norm
        }
        tx = mtx - (a * mfx - b * mfy)
        ty = mty - (b * mfx + a * mfy)
    }

    /// `M p + t`.
    package func apply(x: Double, y: Double) -> (x: Double, y: Double) {
        (a * x - b * y + tx, b * x + a * y + ty)
    }
}
