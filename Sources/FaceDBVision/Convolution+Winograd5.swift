/// Winograd's F(2×2, 5×5) transforms (points 0, 1, −1, 2, −2, ∞; the driver is in
/// `Convolution+Winograd.swift`, the filter transform G in ``WinogradTile``):
///
///   B^T = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
///   A^T = [1 1 1 1 1 0; 0 1 −1 2 −2 1];  V = B^T d B,  U = G g G^T,  Y = A^T M A.
///
/// The input and output transforms use integers up to 5 only; with the fractions in the filter
/// transform (computed in double precision) the outputs stay within float rounding of the direct
/// convolution (the layer tests), and the detector's confidences within a few 1e-6 of dlib's.
extension Convolution {
    /// B^T applied to one 6-vector (as lanes 0…5 of `d0 … d5`, any width): the six results.
    @inline(__always)
    private static func inputTransform5<V: SIMD>(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V)
        -> (V, V, V, V, V, V) where V.Scalar == Float {
        let four: V.Scalar = 4, five: V.Scalar = 5, two: V.Scalar = 2
        let s12 = d1 + d2, s34 = d3 + d4
        let d12 = d1 - d2, d43 = d4 - d3
        let e42 = d4 - d2, e31 = d3 - d1
        return (four * d0 - five * d2 + d4,
                s34 - four * s12,
                d43 + four * d12,
                e42 + two * e31,
                e42 - two * e31,
                four * d1 - five * d3 + d5)
    }

    /// ``inputTransform5(_:_:_:_:_:_:)`` on scalars.
    @inline(__always)
    private static func inputTransform5(_ d: SIMD8<Float>) -> (Float, Float, Float, Float, Float, Float) {
        let d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5]
        let s12 = d1 + d2, s34 = d3 + d4
        let d12 = d1 - d2, d43 = d4 - d3
        let e42 = d4 - d2, e31 = d3 - d1
        return (4 * d0 - 5 * d2 + d4, s34 - 4 * s12, d43 + 4 * d12, e42 + 2 * e31, e42 - 2 * e31, 4 * d1 - 5 * d3 + d5)
    }

    /// V[ξ][c][t] = (B^T d B)[ξ] for the 6×6 input patch d of tile t (zero outside the plane).
    ///
    /// Rows of the patch outside the plane read from a zero row; tiles whose columns leave the plane
    /// read column by column with a bounds check.
    func winograd5Input(
        input: UnsafePointer<Float>, shape: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, v: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>
    ) {
        let inRows = shape.rows, inCols = shape.columns, pr = paddingRows, pc = paddingColumns
        let stride = Convolution.winogradPlaneStride(inputChannels * tileCount)  // between ξ planes
        let tilesPerSample = tileRows * tileCols
        let lastTile = firstTile + tileCount
        for c in 0..<inputChannels {
            var tile = firstTile
            while tile < lastTile {
                let n = tile / tilesPerSample, ty = (tile % tilesPerSample) / tileCols, txFirst = tile % tileCols
                let txEnd = min(tileCols, txFirst + (lastTile - tile))
                let plane = input + (n * inputChannels + c) * inRows * inCols
                let y0 = 2 * ty - pr
                func rowPointer(_ i: Int) -> UnsafePointer<Float> {
                    y0 + i >= 0 && y0 + i < inRows ? plane + (y0 + i) * inCols : zeros + 4
                }
                let rows = (rowPointer(0), rowPointer(1), rowPointer(2), rowPointer(3), rowPointer(4), rowPointer(5))
                var dst = v + c * tileCount + (tile - firstTile)
                var tx = txFirst
                while tx < txEnd {
                    let x0 = 2 * tx - pc
                    if tx + 4 <= txEnd, x0 >= 0, x0 + 12 <= inCols {
                        Convolution.winograd5InputQuad(rows, x0: x0, dst: dst, stride: stride)
                        dst += 4
                        tx += 4
                        continue
                    }
                    @inline(__always) func load(_ row: UnsafePointer<Float>) -> SIMD8<Float> {
                        if x0 >= 0, x0 + 8 <= inCols {
                            return UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD8<Float>.self)
                        }
                        var r = SIMD8<Float>()
                        for j in 0..<6 where x0 + j >= 0 && x0 + j < inCols { r[j] = row[x0 + j] }
                        return r
                    }
                    // Columns of r = B^T d, each row of d a vector over the patch's columns.
                    let r = Convolution.inputTransform5(
                        load(rows.0), load(rows.1), load(rows.2), load(rows.3), load(rows.4), load(rows.5))
                    // V = r B: B^T applied within each row of r.
                    @inline(__always) func finish(_ row: SIMD8<Float>, _ base: Int) {
                        let t = Convolution.inputTransform5(row)
                        dst[base * stride] = t.0
                        dst[(base + 1) * stride] = t.1
                        dst[(base + 2) * stride] = t.2
                        dst[(base + 3) * stride] = t.3
                        dst[(base + 4) * stride] = t.4
                        dst[(base + 5) * stride] = t.5
                    }
                    finish(r.0, 0); finish(r.1, 6); finish(r.2, 12)
                    finish(r.3, 18); finish(r.4, 24); finish(r.5, 30)
                    dst += 1
                    tx += 1
                }
                tile += txEnd - txFirst
            }
        }
    }

    /// Y = A^T M A per (filter, tile), then bias, fused affine and ReLU; writes the in-range outputs.
    func winograd5Output(
        m: UnsafePointer<Float>, out: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, output: UnsafeMutablePointer<Float>
    ) {
        let stride = Convolution.winogradPlaneStride(filters * tileCount)
        let outRows = out.rows, outCols = out.columns, relu = appliesReLU
        let tilesPerSample = tileRows * tileCols
        let lastTile = firstTile + tileCount
        let scale = affine?.scale ?? [Float](repeating: 1, count: filters)
        let shift = affine?.shift ?? [Float](repeating: 0, count: filters)
        let hasAffine = affine != nil
        for f in 0..<filters {
            let b = bias[f], g = scale[f], s = shift[f]
            @inline(__always) func finish(_ value: Float) -> Float {
                let v = hasAffine ? (value + b) * g + s : value + b
                return relu ? max(0, v) : v
            }
            @inline(__always) func finishQuad(_ value: SIMD8<Float>) -> SIMD8<Float> {
                let v = hasAffine ? (value + b) * g + s : value + b
                return relu ? v.replacing(with: 0, where: v .< 0) : v
            }
            var tile = firstTile
            while tile < lastTile {
                let n = tile / tilesPerSample, ty = (tile % tilesPerSample) / tileCols, txFirst = tile % tileCols
                let txEnd = min(tileCols, txFirst + (lastTile - tile))
                let y0 = 2 * ty
                let hasSecondRow = y0 + 1 < outRows
                let rowStart = output + ((n * filters + f) * outRows + y0) * outCols
                var p = m + f * tileCount + (tile - firstTile)
                var tx = txFirst
                while tx < txEnd {
                    if tx + 4 <= txEnd, 2 * tx + 8 <= outCols {
                        let (y0, y1) = Convolution.winograd5OutputQuad(p, stride: stride)
                        let dst = rowStart + 2 * tx
                        Convolution.store(finishQuad(y0), at: dst)
                        if hasSecondRow { Convolution.store(finishQuad(y1), at: dst + outCols) }
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
                    dst[0] = finish(a0[0] + a0[1] + a0[2] + a0[3] + a0[4])
                    if hasSecondColumn { dst[1] = finish(a0[1] - a0[2] + 2 * (a0[3] - a0[4]) + a0[5]) }
                    if hasSecondRow {
                        dst[outCols] = finish(a1[0] + a1[1] + a1[2] + a1[3] + a1[4])
                        if hasSecondColumn { dst[outCols + 1] = finish(a1[1] - a1[2] + 2 * (a1[3] - a1[4]) + a1[5]) }
                    }
                    p += 1
                    tx += 1
                }
                tile += txEnd - txFirst
            }
        }
    }

    /// The F(2×2, 5×5) input transform of four neighbouring tiles at once (SIMD lanes = tiles; the
    /// tiles' 12 input columns `x0 ..< x0 + 12` must lie inside the rows).
    @inline(__always)
    static func winograd5InputQuad(
        _ rows: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                 UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>),
        x0: Int, dst: UnsafeMutablePointer<Float>, stride: Int
    ) {
        // Row i of the four patches, then B applied within it: t[i][l] = Σ_j d[i][j] B[j][l].
        typealias Six = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)
        @inline(__always) func transformedRow(_ row: UnsafePointer<Float>) -> Six {
            let a = UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(row + x0 + 8).loadUnaligned(as: SIMD4<Float>.self)
            return inputTransform5(
                SIMD4(a[0], a[2], a[4], a[6]), SIMD4(a[1], a[3], a[5], a[7]), SIMD4(a[2], a[4], a[6], b[0]),
                SIMD4(a[3], a[5], a[7], b[1]), SIMD4(a[4], a[6], b[0], b[2]), SIMD4(a[5], a[7], b[1], b[3]))
        }
        let t0 = transformedRow(rows.0), t1 = transformedRow(rows.1), t2 = transformedRow(rows.2)
        let t3 = transformedRow(rows.3), t4 = transformedRow(rows.4), t5 = transformedRow(rows.5)
        // Then B^T down each column l: V[k][l] = Σ_i B^T[k][i] t[i][l].
        @inline(__always) func column(_ l: Int, _ c: Six) {
            let v = inputTransform5(c.0, c.1, c.2, c.3, c.4, c.5)
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
