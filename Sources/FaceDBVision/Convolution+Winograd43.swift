/// Winograd's F(4×4, 3×3) output transform (points 0, 1, −1, 2, −2, ∞; the input transform is in
/// `Convolution+Winograd6.swift`, the driver in `Convolution+Winograd.swift`, the filter transform G
/// in ``WinogradTile``):
///
///   A^T = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1];  Y = A^T M A (4×4 outputs).
extension Convolution {
    /// A^T applied to one 6-vector (lanes of any width): the four results.
    @inline(__always)
    private static func outputTransform43<V: SIMD>(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V)
        -> (V, V, V, V) where V.Scalar == Float {
        let two: Float = 2, four: Float = 4, eight: Float = 8
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        return (s12 + s34 + m0, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5)
    }

    /// Y = A^T M A per (filter, tile), then bias, fused affine and ReLU; writes the in-range outputs.
    func winograd43Output(
        m: UnsafePointer<Float>, out: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, output: UnsafeMutablePointer<Float>
    ) {
        let stride = Convolution.winogradPlaneStride(filters * tileCount)
        let outRows = out.rows, outCols = out.columns
        for f in 0..<filters {
            let activation = outputActivation(filter: f)
            Convolution.forEachTileRun(firstTile: firstTile, tileCount: tileCount, tileRows: tileRows, tileCols: tileCols) {
                n, ty, txFirst, txEnd, offset in
                let y0 = 4 * ty
                let rowsInside = min(4, outRows - y0)
                let rowStart = output + ((n * filters + f) * outRows + y0) * outCols
                var p = m + f * tileCount + offset
                var tx = txFirst
                while tx < txEnd {
                    if tx + 4 <= txEnd, 4 * tx + 16 <= outCols {
                        // Four tiles: 16 consecutive outputs per row.
                        let rows = Convolution.winograd43OutputQuad(p, stride: stride)
                        let dst = rowStart + 4 * tx
                        for i in 0..<rowsInside {
                            let row = i == 0 ? rows.0 : i == 1 ? rows.1 : i == 2 ? rows.2 : rows.3
                            UnsafeMutableRawPointer(dst + i * outCols).storeBytes(of: activation.apply(row), as: SIMD16<Float>.self)
                        }
                        p += 4
                        tx += 4
                        continue
                    }
                    // Rows of M as vectors over its 6 columns (lanes 6, 7 unused).
                    @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
                        let q = p + 6 * i * stride
                        return SIMD8(q[0], q[stride], q[2 * stride], q[3 * stride], q[4 * stride], q[5 * stride], 0, 0)
                    }
                    let a = Convolution.outputTransform43(row(0), row(1), row(2), row(3), row(4), row(5))
                    let x0 = 4 * tx
                    let columnsInside = min(4, outCols - x0)
                    @inline(__always) func emit(_ i: Int, _ ai: SIMD8<Float>) {
                        guard i < rowsInside else { return }
                        let y = Convolution.outputTransform43(
                            SIMD2(ai[0], 0), SIMD2(ai[1], 0), SIMD2(ai[2], 0), SIMD2(ai[3], 0), SIMD2(ai[4], 0), SIMD2(ai[5], 0))
                        let values = SIMD4(y.0[0], y.1[0], y.2[0], y.3[0])
                        let dst = rowStart + i * outCols + x0
                        for c in 0..<columnsInside { dst[c] = activation.apply(values[c]) }
                    }
                    emit(0, a.0); emit(1, a.1); emit(2, a.2); emit(3, a.3)
                    p += 1
                    tx += 1
                }
            }
        }
    }

    /// The F(4×4, 3×3) output transform of four neighbouring tiles at once: their four output rows,
    /// each 16 values (4 per tile, left to right), before bias and activation.
    @inline(__always)
    static func winograd43OutputQuad(_ p: UnsafePointer<Float>, stride: Int)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        @inline(__always) func at(_ k: Int, _ l: Int) -> SIMD4<Float> {
            UnsafeRawPointer(p + (6 * k + l) * stride).loadUnaligned(as: SIMD4<Float>.self)
        }
        // a = A^T M, column by column: four rows of six.
        @inline(__always) func column(_ l: Int) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
            outputTransform43(at(0, l), at(1, l), at(2, l), at(3, l), at(4, l), at(5, l))
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
        // Y = a A, row by row; lane t of output column c goes to position 4t + c.
        @inline(__always) func outputRow(_ a: SixLanes) -> SIMD16<Float> {
            let y = outputTransform43(a.0, a.1, a.2, a.3, a.4, a.5)
            return SIMD16(y.0[0], y.1[0], y.2[0], y.3[0], y.0[1], y.1[1], y.2[1], y.3[1],
                          y.0[2], y.1[2], y.2[2], y.3[2], y.0[3], y.1[3], y.2[3], y.3[3])
        }
        return (outputRow((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0)), outputRow((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)),
                outputRow((c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)), outputRow((c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)))
    }
}
