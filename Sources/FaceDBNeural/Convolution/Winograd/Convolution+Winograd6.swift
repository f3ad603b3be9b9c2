/// The 6×6 Winograd input transform of F(4×4, 3×3) (points 0, 1, −1, 2, −2, ∞):
///
///   B^T = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
///   V = B^T d B.
extension Convolution {
    /// B^T applied to one 6-vector (as lanes 0…5 of `d0 … d5`, any width): the six results.
    @inline(__always)
    private static func inputTransform6<V: SIMD>(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V)
        -> (V, V, V, V, V, V) where V.Scalar == Float
    {
        let four: V.Scalar = 4, five: V.Scalar = 5, two: V.Scalar = 2
        let s12 = d1 + d2, s34 = d3 + d4
        let d12 = d1 - d2, d43 = d4 - d3
        let e42 = d4 - d2, e31 = d3 - d1
        return (
            four * d0 - five * d2 + d4,
            s34 - four * s12,
            d43 + four * d12,
            e42 + two * e31,
            e42 - two * e31,
            four * d1 - five * d3 + d5
        )
    }

    /// ``inputTransform6(_:_:_:_:_:_:)`` on scalars.
    @inline(__always)
    private static func inputTransform6(_ d: SIMD8<Float>) -> (Float, Float, Float, Float, Float, Float) {
        let d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5]
        let s12 = d1 + d2, s34 = d3 + d4
        let d12 = d1 - d2, d43 = d4 - d3
        let e42 = d4 - d2, e31 = d3 - d1
        return (4 * d0 - 5 * d2 + d4, s34 - 4 * s12, d43 + 4 * d12, e42 + 2 * e31, e42 - 2 * e31, 4 * d1 - 5 * d3 + d5)
    }

    /// The 6×6 input transform of one tile whose columns `x0 ..< x0 + 6` may leave the row (read
    /// with a bounds check).
    @inline(__always)
    static func winograd6InputTile(_ rows: PatchRows, x0: Int, inColumns: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        @inline(__always) func load(_ row: UnsafePointer<Float>) -> SIMD8<Float> { patchRow(row, x0: x0, count: 6, inColumns: inColumns) }
        // Columns of r = B^T d, each row of d a vector over the patch's columns.
        let r = inputTransform6(load(rows.0), load(rows.1), load(rows.2), load(rows.3), load(rows.4), load(rows.5))
        // V = r B: B^T applied within each row of r.
        @inline(__always) func finish(_ row: SIMD8<Float>, _ base: Int) {
            let t = inputTransform6(row)
            dst[base * stride] = t.0
            dst[(base + 1) * stride] = t.1
            dst[(base + 2) * stride] = t.2
            dst[(base + 3) * stride] = t.3
            dst[(base + 4) * stride] = t.4
            dst[(base + 5) * stride] = t.5
        }
        finish(r.0, 0); finish(r.1, 6); finish(r.2, 12)
        finish(r.3, 18); finish(r.4, 24); finish(r.5, 30)
    }

    /// Six SIMD vectors: a patch row's six columns, or a column's six rows, for four tiles.
    typealias SixLanes = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)

    /// The 6×6 input transform of four neighbouring tiles at once (SIMD lanes = tiles), 4 columns
    /// apart; the tiles' 18 input columns from
    /// `x0` must lie inside the rows.
    @inline(__always)
    static func winograd6InputQuad(_ rows: PatchRows, x0: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        // Row i of the four patches (lane t holds columns x0 + 4t + j), then B applied within
        // it: t[i][l] = Σ_j d[i][j] B[j][l].
        @inline(__always) func transformedRow(_ row: UnsafePointer<Float>) -> SixLanes {
            let a = UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD16<Float>.self)
            let b16 = row[x0 + 16], b17 = row[x0 + 17]
            return inputTransform6(
                SIMD4(a[0], a[4], a[8], a[12]), SIMD4(a[1], a[5], a[9], a[13]), SIMD4(a[2], a[6], a[10], a[14]),
                SIMD4(a[3], a[7], a[11], a[15]), SIMD4(a[4], a[8], a[12], b16), SIMD4(a[5], a[9], a[13], b17))
        }
        let t0 = transformedRow(rows.0), t1 = transformedRow(rows.1), t2 = transformedRow(rows.2)
        let t3 = transformedRow(rows.3), t4 = transformedRow(rows.4), t5 = transformedRow(rows.5)
        // Then B^T down each column l: V[k][l] = Σ_i B^T[k][i] t[i][l].
        @inline(__always) func column(_ l: Int, _ c: SixLanes) {
            let v = inputTransform6(c.0, c.1, c.2, c.3, c.4, c.5)
            @inline(__always) func put(_ k: Int, _ value: SIMD4<Float>) {
                UnsafeMutableRawPointer(dst + (6 * k + l) * stride).storeBytes(of: value, as: SIMD4<Float>.self)
            }
            put(0, v.0); put(1, v.1); put(2, v.2); put(3, v.3); put(4, v.4); put(5, v.5)
        }
        column(0, (t0.0, t1.0, t2.0, t3.0, t4.0, t5.0))
        column(1, (t0.1, t1.1, t2.1, t3.1, t4.1, t5.1))
        column(2, (t0.2, t1.2, t2.2, t3.2, t4.2, t5.2))
        column(3, (t0.3, t1.3, t2.3, t3.3, t4.3, t5.3))
        column(4, (t0.4, t1.4, t2.4, t3.4, t4.4, t5.4))
        column(5, (t0.5, t1.5, t2.5, t3.5, t4.5, t5.5))
    }
}
