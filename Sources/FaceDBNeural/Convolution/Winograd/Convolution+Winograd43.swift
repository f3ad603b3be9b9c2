/// Winograd's F(4×4, 3×3) output transform (points 0, 1, −1, 2, −2, ∞; the input transform is in
/// `Convolution+Winograd6.swift`, the driver in `Convolution+Winograd.swift`, the filter transform G
/// in ``WinogradTile``):
///
///   A^T = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1];  Y = A^T M A (4×4 outputs).
extension Convolution {
    /// A^T applied to one 6-vector (lanes of any width): the four results.
    @inline(__always)
    private static func outputTransform43<V: SIMD>(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V)
        -> (V, V, V, V) where V.Scalar == Float
    {
        let two: Float = 2, four: Float = 4, eight: Float = 8
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        return (s12 + s34 + m0, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5)
    }

    /// The F(4×4, 3×3) output transform of one tile: its 4×4 outputs, before bias and activation.
    @inline(__always)
    static func winograd43OutputTile(_ p: UnsafePointer<Float>, stride: Int) -> TileOutputRows {
        winograd4OutputTile(p, stride: stride, size: 6) { m in
            let y = outputTransform43(
                SIMD2(m[0], 0), SIMD2(m[1], 0), SIMD2(m[2], 0), SIMD2(m[3], 0),
                SIMD2(m[4], 0), SIMD2(m[5], 0))
            return SIMD4(y.0[0], y.1[0], y.2[0], y.3[0])
        }
    }

    /// The F(4×4, 3×3) output transform of four neighbouring tiles at once: their four output rows,
    /// each 16 values (4 per tile, left to right), before bias and activation.
    @inline(__always)
    static func winograd43OutputQuad(_ p: UnsafePointer<Float>, stride: Int) -> QuadOutputRows {
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
            return SIMD16(
                y.0[0], y.1[0], y.2[0], y.3[0], y.0[1], y.1[1], y.2[1], y.3[1],
                y.0[2], y.1[2], y.2[2], y.3[2], y.0[3], y.1[3], y.2[3], y.3[3])
        }
        return (
            outputRow((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0)), outputRow((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)),
            outputRow((c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)), outputRow((c0.3, c1.3, c2.3, c3.3, c4.3, c5.3))
        )
    }
}
