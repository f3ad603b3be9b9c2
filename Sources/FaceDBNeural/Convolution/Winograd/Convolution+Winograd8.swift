/// Winograd's F(4×4, 5×5): the 8×8 input transform and the output transform (points 0, 1, −1, 2,
/// −2, ½, −½, ∞; the driver is in `Convolution+Winograd.swift`, the filter transform G in
/// ``WinogradTile``). B^T holds the coefficients of `M(x)/(x − a_j)` with `M(x) = Π (x − a_l)`, and
/// its last row those of `M(x)`; A^T holds the powers `a_j^i`:
///
///   B^T = [−1 0 21/4 0 −21/4 0 1 0;  0 1 1 −17/4 −17/4 1 1 0;  0 −1 1 17/4 −17/4 −1 1 0;
///          0 ½ ¼ −5/2 −5/4 2 1 0;  0 −½ ¼ 5/2 −5/4 −2 1 0;  0 2 4 −5/2 −5 ½ 1 0;
///          0 −2 4 5/2 −5 −½ 1 0;  0 −1 0 21/4 0 −21/4 0 1],
///   A^T = [1 1 1 1 1 1 1 0;  0 1 −1 2 −2 ½ −½ 0;  0 1 1 4 4 ¼ ¼ 0;  0 1 −1 8 −8 ⅛ −⅛ 1].
///
/// Every coefficient is a small binary fraction, so the transforms round only in their additions.
extension Convolution {
    /// Eight SIMD vectors: a patch row's eight columns, or a column's eight rows, for four tiles.
    typealias EightLanes = (
        SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>,
        SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>
    )

    /// B^T applied to one 8-vector (as lanes of `d0 … d7`, any width): the eight results.
    @inline(__always)
    static func inputTransform8<V: SIMD>(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V, _ d6: V, _ d7: V)
        -> (V, V, V, V, V, V, V, V) where V.Scalar == Float
    {
        let a: Float = 5.25, b: Float = 4.25, c: Float = 1.25, e: Float = 2.5, half: Float = 0.5, quarter: Float = 0.25
        let two: Float = 2, four: Float = 4, five: Float = 5
        let t1 = (d2 + d6) - b * d4, t2 = (d1 + d5) - b * d3
        let t3 = (quarter * d2 + d6) - c * d4, t4 = (half * d1 + two * d5) - e * d3
        let t5 = (four * d2 + d6) - five * d4, t6 = (two * d1 + half * d5) - e * d3
        return ((d6 - d0) + a * (d2 - d4), t1 + t2, t1 - t2, t3 + t4, t3 - t4, t5 + t6, t5 - t6, (d7 - d1) + a * (d3 - d5))
    }

    /// A^T applied to one 8-vector (lanes of any width): the four results.
    @inline(__always)
    static func outputTransform45<V: SIMD>(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V, _ m6: V, _ m7: V)
        -> (V, V, V, V) where V.Scalar == Float
    {
        let two: Float = 2, four: Float = 4, eight: Float = 8, half: Float = 0.5, quarter: Float = 0.25, eighth: Float = 0.125
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4, s56 = m5 + m6, d56 = m5 - m6
        return (
            m0 + s12 + s34 + s56, d12 + two * d34 + half * d56, s12 + four * s34 + quarter * s56,
            d12 + eight * d34 + eighth * d56 + m7
        )
    }

    /// The 8×8 input transform of one tile whose columns `x0 ..< x0 + 8` may leave the row (read
    /// with a bounds check).
    @inline(__always)
    static func winograd8InputTile(_ rows: PatchRows, x0: Int, inColumns: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        @inline(__always) func load(_ row: UnsafePointer<Float>) -> SIMD8<Float> { patchRow(row, x0: x0, count: 8, inColumns: inColumns) }
        // Columns of r = B^T d, each row of d a vector over the patch's columns.
        let r = inputTransform8(
            load(rows.0), load(rows.1), load(rows.2), load(rows.3),
            load(rows.4), load(rows.5), load(rows.6), load(rows.7))
        // V = r B: B^T applied within each row of r.
        @inline(__always) func finish(_ row: SIMD8<Float>, _ base: Int) {
            let t = inputTransform8(
                SIMD2(row[0], 0), SIMD2(row[1], 0), SIMD2(row[2], 0), SIMD2(row[3], 0),
                SIMD2(row[4], 0), SIMD2(row[5], 0), SIMD2(row[6], 0), SIMD2(row[7], 0))
            dst[base * stride] = t.0[0]; dst[(base + 1) * stride] = t.1[0]
            dst[(base + 2) * stride] = t.2[0]; dst[(base + 3) * stride] = t.3[0]
            dst[(base + 4) * stride] = t.4[0]; dst[(base + 5) * stride] = t.5[0]
            dst[(base + 6) * stride] = t.6[0]; dst[(base + 7) * stride] = t.7[0]
        }
        finish(r.0, 0); finish(r.1, 8); finish(r.2, 16); finish(r.3, 24)
        finish(r.4, 32); finish(r.5, 40); finish(r.6, 48); finish(r.7, 56)
    }

    /// The 8×8 input transform of four neighbouring tiles at once (SIMD lanes = tiles, 4 columns
    /// apart); the tiles' 20 input columns from `x0` must lie inside the rows.
    @inline(__always)
    static func winograd8InputQuad(_ rows: PatchRows, x0: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        // Row i of the four patches (lane t holds column x0 + 4t + j), then B applied within it.
        @inline(__always) func transformedRow(_ row: UnsafePointer<Float>) -> EightLanes {
            let a = UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD16<Float>.self)
            let b = UnsafeRawPointer(row + x0 + 16).loadUnaligned(as: SIMD4<Float>.self)
            return inputTransform8(
                SIMD4(a[0], a[4], a[8], a[12]), SIMD4(a[1], a[5], a[9], a[13]),
                SIMD4(a[2], a[6], a[10], a[14]), SIMD4(a[3], a[7], a[11], a[15]),
                SIMD4(a[4], a[8], a[12], b[0]), SIMD4(a[5], a[9], a[13], b[1]),
                SIMD4(a[6], a[10], a[14], b[2]), SIMD4(a[7], a[11], a[15], b[3]))
        }
        let t0 = transformedRow(rows.0), t1 = transformedRow(rows.1), t2 = transformedRow(rows.2)
        let t3 = transformedRow(rows.3), t4 = transformedRow(rows.4), t5 = transformedRow(rows.5)
        let t6 = transformedRow(rows.6), t7 = transformedRow(rows.7)
        // Then B^T down each column l.
        @inline(__always) func column(_ l: Int, _ c: EightLanes) {
            let v = inputTransform8(c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7)
            @inline(__always) func put(_ k: Int, _ value: SIMD4<Float>) {
                UnsafeMutableRawPointer(dst + (8 * k + l) * stride).storeBytes(of: value, as: SIMD4<Float>.self)
            }
            put(0, v.0); put(1, v.1); put(2, v.2); put(3, v.3); put(4, v.4); put(5, v.5); put(6, v.6); put(7, v.7)
        }
        column(0, (t0.0, t1.0, t2.0, t3.0, t4.0, t5.0, t6.0, t7.0))
        column(1, (t0.1, t1.1, t2.1, t3.1, t4.1, t5.1, t6.1, t7.1))
        column(2, (t0.2, t1.2, t2.2, t3.2, t4.2, t5.2, t6.2, t7.2))
        column(3, (t0.3, t1.3, t2.3, t3.3, t4.3, t5.3, t6.3, t7.3))
        column(4, (t0.4, t1.4, t2.4, t3.4, t4.4, t5.4, t6.4, t7.4))
        column(5, (t0.5, t1.5, t2.5, t3.5, t4.5, t5.5, t6.5, t7.5))
        column(6, (t0.6, t1.6, t2.6, t3.6, t4.6, t5.6, t6.6, t7.6))
        column(7, (t0.7, t1.7, t2.7, t3.7, t4.7, t5.7, t6.7, t7.7))
    }

    /// The F(4×4, 5×5) output transform of one tile: its 4×4 outputs, before bias and activation.
    @inline(__always)
    static func winograd45OutputTile(_ p: UnsafePointer<Float>, stride: Int) -> TileOutputRows {
        winograd4OutputTile(p, stride: stride, size: 8) { m in
            let y = outputTransform45(
                SIMD2(m[0], 0), SIMD2(m[1], 0), SIMD2(m[2], 0), SIMD2(m[3], 0),
                SIMD2(m[4], 0), SIMD2(m[5], 0), SIMD2(m[6], 0), SIMD2(m[7], 0))
            return SIMD4(y.0[0], y.1[0], y.2[0], y.3[0])
        }
    }

    /// The F(4×4, 5×5) output transform of four neighbouring tiles at once: their four output rows,
    /// each 16 values (4 per tile, left to right), before bias and activation.
    @inline(__always)
    static func winograd45OutputQuad(_ p: UnsafePointer<Float>, stride: Int) -> QuadOutputRows {
        @inline(__always) func at(_ k: Int, _ l: Int) -> SIMD4<Float> {
            UnsafeRawPointer(p + (8 * k + l) * stride).loadUnaligned(as: SIMD4<Float>.self)
        }
        // a = A^T M, column by column: four rows of eight.
        @inline(__always) func column(_ l: Int) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
            outputTransform45(at(0, l), at(1, l), at(2, l), at(3, l), at(4, l), at(5, l), at(6, l), at(7, l))
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3)
        let c4 = column(4), c5 = column(5), c6 = column(6), c7 = column(7)
        // Y = a A, row by row; lane t of output column c goes to position 4t + c.
        @inline(__always) func outputRow(_ a: EightLanes) -> SIMD16<Float> {
            let y = outputTransform45(a.0, a.1, a.2, a.3, a.4, a.5, a.6, a.7)
            return SIMD16(
                y.0[0], y.1[0], y.2[0], y.3[0], y.0[1], y.1[1], y.2[1], y.3[1],
                y.0[2], y.1[2], y.2[2], y.3[2], y.0[3], y.1[3], y.2[3], y.3[3])
        }
        return (
            outputRow((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0, c6.0, c7.0)),
            outputRow((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1, c6.1, c7.1)),
            outputRow((c0.2, c1.2, c2.2, c3.2, c4.2, c5.2, c6.2, c7.2)),
            outputRow((c0.3, c1.3, c2.3, c3.3, c4.3, c5.3, c6.3, c7.3))
        )
    }
}
