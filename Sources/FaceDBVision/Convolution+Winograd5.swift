/// Winograd's F(2×2, 5×5) output transform (points 0, 1, −1, 2, −2, ∞; the input transform is in
/// `Convolution+Winograd6.swift`, the driver in `Convolution+Winograd.swift`, the filter transform G
/// in ``WinogradTile``):
///
///   A^T = [1 1 1 1 1 0; 0 1 −1 2 −2 1];  Y = A^T M A.
///
/// The transforms use integers up to 5 only; with the fractions in the filter transform (computed
/// in double precision) the outputs stay within float rounding of the direct convolution (the
/// layer tests), and the detector's confidences within a few 1e-6 of dlib's.
extension Convolution {
    /// Y = A^T M A per (filter, tile), then bias, fused affine and ReLU; writes the in-range outputs.
    func winograd5Output(
        m: UnsafePointer<Float>, out: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, output: UnsafeMutablePointer<Float>
    ) {
        let stride = Convolution.winogradPlaneStride(filters * tileCount)
        let outRows = out.rows, outCols = out.columns
        for f in 0..<filters {
            let activation = outputActivation(filter: f)
            Convolution.forEachTileRun(firstTile: firstTile, tileCount: tileCount, tileRows: tileRows, tileCols: tileCols) {
                n, ty, txFirst, txEnd, offset in
                let y0 = 2 * ty
                let hasSecondRow = y0 + 1 < outRows
                let rowStart = output + ((n * filters + f) * outRows + y0) * outCols
                var p = m + f * tileCount + offset
                var tx = txFirst
                while tx < txEnd {
                    if tx + 4 <= txEnd, 2 * tx + 8 <= outCols {
                        let (y0, y1) = Convolution.winograd5OutputQuad(p, stride: stride)
                        let dst = rowStart + 2 * tx
                        Convolution.store(activation.apply(y0), at: dst)
                        if hasSecondRow { Convolution.store(activation.apply(y1), at: dst + outCols) }
                        p += 4
                        tx += 4
                        continue
                    }
                    // Rows of M as vectors over its 6 columns (lanes 6, 7 unused).
                    @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
                        let q = p + 6 * i * stride
                        return SIMD8(q[0], q[stride], q[2 * stride], q[3 * stride], q[4 * stride], q[5 * stride], 0, 0)
                    }
                    let m0 = row(0), m1 = row(1), m2 = row(2), m3 = row(3), m4 = row(4), m5 = row(5)
                    // a = A^T M (2 rows), then Y = a A.
                    let a0 = m0 + m1 + m2 + m3 + m4
                    let a1 = m1 - m2 + 2 * (m3 - m4) + m5
                    let x0 = 2 * tx
                    let dst = rowStart + x0
                    let hasSecondColumn = x0 + 1 < outCols
                    dst[0] = activation.apply(a0[0] + a0[1] + a0[2] + a0[3] + a0[4])
                    if hasSecondColumn { dst[1] = activation.apply(a0[1] - a0[2] + 2 * (a0[3] - a0[4]) + a0[5]) }
                    if hasSecondRow {
                        dst[outCols] = activation.apply(a1[0] + a1[1] + a1[2] + a1[3] + a1[4])
                        if hasSecondColumn { dst[outCols + 1] = activation.apply(a1[1] - a1[2] + 2 * (a1[3] - a1[4]) + a1[5]) }
                    }
                    p += 1
                    tx += 1
                }
            }
        }
    }

    /// The F(2×2, 5×5) output transform of four neighbouring tiles at once: their two output rows,
    /// each 8 values (2 per tile, left to right), before bias and activation.
    @inline(__always)
    static func winograd5OutputQuad(_ p: UnsafePointer<Float>, stride: Int) -> (SIMD8<Float>, SIMD8<Float>) {
        @inline(__always) func at(_ k: Int, _ l: Int) -> SIMD4<Float> {
            UnsafeRawPointer(p + (6 * k + l) * stride).loadUnaligned(as: SIMD4<Float>.self)
        }
        // a = A^T M, column by column (two rows of six).
        @inline(__always) func column(_ l: Int) -> (SIMD4<Float>, SIMD4<Float>) {
            let m0 = at(0, l), m1 = at(1, l), m2 = at(2, l), m3 = at(3, l), m4 = at(4, l), m5 = at(5, l)
            return (m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 * (m3 - m4) + m5)
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
        // Y = a A.
        let y00 = c0.0 + c1.0 + c2.0 + c3.0 + c4.0, y01 = c1.0 - c2.0 + 2 * (c3.0 - c4.0) + c5.0
        let y10 = c0.1 + c1.1 + c2.1 + c3.1 + c4.1, y11 = c1.1 - c2.1 + 2 * (c3.1 - c4.1) + c5.1
        return (interleave(y00, y01), interleave(y10, y11))
    }
}
