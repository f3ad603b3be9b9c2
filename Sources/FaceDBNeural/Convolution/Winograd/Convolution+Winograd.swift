import CBLAS
import FaceDBCore

/// Winograd's minimal filtering (``WinogradTile``) for 3×3 and 5×5 stride-1 convolutions: each
/// 2×2 block of outputs is computed from an n×n input tile with n² multiplications per
/// (filter, channel) instead of 4·r². The n² element-wise products over channels become n² GEMMs
/// `M[ξ] = U[ξ] (filters × channels) · V[ξ] (channels × tiles)`, with the tiles of every sample of the
/// batch in the GEMM's N dimension. This file has the driver and the F(2×2, 3×3) transforms;
/// `Convolution+Winograd6.swift` and `Convolution+Winograd43.swift` have the transforms of F(4×4, 3×3),
/// `Convolution+Winograd8.swift` those of F(4×4, 5×5).
///
/// F(2×2, 3×3) transforms (rows of B^T, G, A^T):
///   B^T = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
///   A^T = [1 1 1 0; 0 1 −1 −1];  V = B^T d B,  U = G g G^T,  Y = A^T M A.
/// The extra rounding (additions only, and halves in G) keeps results within a few 1e-7 of the
/// direct convolution on this network's activations; the golden tests hold it to 1e-5 of dlib.
extension Convolution {
    /// U = G g G^T for every (filter, channel), stored `[ξ][filter][channel]` (ξ = 4·row + column).
    static func winogradTransform(weights: [Float], filters: Int, inputChannels: Int) -> [Float] {
        var u = [Float](repeating: 0, count: 16 * filters * inputChannels)
        let plane = filters * inputChannels
        for f in 0..<filters {
            for c in 0..<inputChannels {
                let g = Array(weights[((f * inputChannels + c) * 9)..<((f * inputChannels + c) * 9 + 9)])
                // t = G g (4×3), then U = t G^T (4×4).
                var t = [Float](repeating: 0, count: 12)
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0
                    t[3 + j] = 0.5 * (g0 + g1 + g2)
                    t[6 + j] = 0.5 * (g0 - g1 + g2)
                    t[9 + j] = g2
                }
                for i in 0..<4 {
                    let t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2]
                    let row = [t0, 0.5 * (t0 + t1 + t2), 0.5 * (t0 - t1 + t2), t2]
                    for j in 0..<4 { u[(4 * i + j) * plane + f * inputChannels + c] = row[j] }
                }
            }
        }
        return u
    }

    /// The distance between the 16 ξ planes: the plane size rounded up to 64 bytes plus 64 bytes, so
    /// that the 16 streams a tile writes and reads never sit a multiple of 4 KiB apart (which would
    /// make them evict each other from the L1 cache).
    static func winogradPlaneStride(_ count: Int) -> Int { (count + 15) / 16 * 16 + 16 }

    /// Whether `forward` takes the Winograd path for this output shape: the layer qualifies and the
    /// planes are big enough for 2×2 output blocks to pay off.
    func usesWinograd(for out: TensorShape) -> Bool {
        winograd != nil && out.rows >= 8 && out.columns >= 8
    }

    /// The Winograd forward pass (same contract as the im2col path).
    func winogradForward(
        input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape, output: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, workers: Int
    ) {
        guard let tile = winograd else { preconditionFailure("not a Winograd layer") }
        let planes = tile.planes, step = tile.output
        let tileRows = (out.rows + step - 1) / step, tileCols = (out.columns + step - 1) / step
        let totalTiles = out.samples * tileRows * tileCols
        // Transformed inputs and products of a chunk, n²·(channels + filters) floats per tile, stay
        // within 2 MiB so that they are still in cache when the GEMMs and the output pass read them.
        let budgetTiles = max(1, (1 << 19) / (planes * (inputChannels + filters)))
        let chunk = min(budgetTiles, (totalTiles + workers - 1) / workers)
        let chunks = (totalTiles + chunk - 1) / chunk
        let active = min(workers, chunks)
        scratch.reserve(
            workers: active, columnCount: planes * Convolution.winogradPlaneStride(inputChannels * chunk),
            resultCount: planes * Convolution.winogradPlaneStride(filters * chunk))
        let buffers = (0..<active).map { (SharedPointer(scratch.columnBuffer($0)), SharedPointer(scratch.resultBuffer($0))) }
        let x = SharedPointer(input), y = SharedPointer(output)
        scratch.reserveZeros(shape.columns + 24)
        let zeros = SharedPointer(scratch.zeroBuffer)
        parallel(active) { w in
            var index = w
            while index < chunks {
                let first = index * chunk, count = min(chunk, totalTiles - first)
                let (v, m) = buffers[w]
                switch tile {
                case .output2Kernel3:
                    self.winogradInputPass(
                        input: x.base, shape: shape, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, v: v.base, zeros: zeros.base,
                        size: 4, step: 2, quadColumns: 10,
                        quad: Convolution.winogradInputQuad, single: Convolution.winogradInputTile)
                case .output4Kernel3:
                    self.winogradInputPass(
                        input: x.base, shape: shape, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, v: v.base, zeros: zeros.base,
                        size: 6, step: 4, quadColumns: 18,
                        quad: Convolution.winograd6InputQuad, single: Convolution.winograd6InputTile)
                case .output4Kernel5:
                    self.winogradInputPass(
                        input: x.base, shape: shape, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, v: v.base, zeros: zeros.base,
                        size: 8, step: 4, quadColumns: 20,
                        quad: Convolution.winograd8InputQuad, single: Convolution.winograd8InputTile)
                }
                self.winogradMultiply(v: v.base, tileCount: count, planes: planes, m: m.base)
                switch tile {
                case .output2Kernel3:
                    self.winogradOutput(
                        m: m.base, out: out, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, output: y.base)
                case .output4Kernel3:
                    self.winograd4OutputPass(
                        m: m.base, out: out, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, output: y.base,
                        quad: Convolution.winograd43OutputQuad, single: Convolution.winograd43OutputTile)
                case .output4Kernel5:
                    self.winograd4OutputPass(
                        m: m.base, out: out, tileRows: tileRows, tileCols: tileCols,
                        firstTile: first, tileCount: count, output: y.base,
                        quad: Convolution.winograd45OutputQuad, single: Convolution.winograd45OutputTile)
                }
                index += active
            }
        }
    }

    /// The F(2×2, 3×3) input transform of one tile whose columns `x0 ..< x0 + 4` may leave the row
    /// (read with a bounds check), with exactly the operations of ``winogradInputQuad``.
    @inline(__always)
    static func winogradInputTile(_ rows: PatchRows, x0: Int, inColumns: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        let row0 = rows.0, row1 = rows.1, row2 = rows.2, row3 = rows.3
        var d0 = (Float(0), Float(0), Float(0), Float(0)), d1 = d0, d2 = d0, d3 = d0
        if x0 >= 0, x0 + 4 <= inColumns {
            d0 = (row0[x0], row0[x0 + 1], row0[x0 + 2], row0[x0 + 3])
            d1 = (row1[x0], row1[x0 + 1], row1[x0 + 2], row1[x0 + 3])
            d2 = (row2[x0], row2[x0 + 1], row2[x0 + 2], row2[x0 + 3])
            d3 = (row3[x0], row3[x0 + 1], row3[x0 + 2], row3[x0 + 3])
        } else {
            @inline(__always) func at(_ row: UnsafePointer<Float>, _ x: Int) -> Float {
                x >= 0 && x < inColumns ? row[x] : 0
            }
            d0 = (at(row0, x0), at(row0, x0 + 1), at(row0, x0 + 2), at(row0, x0 + 3))
            d1 = (at(row1, x0), at(row1, x0 + 1), at(row1, x0 + 2), at(row1, x0 + 3))
            d2 = (at(row2, x0), at(row2, x0 + 1), at(row2, x0 + 2), at(row2, x0 + 3))
            d3 = (at(row3, x0), at(row3, x0 + 1), at(row3, x0 + 2), at(row3, x0 + 3))
        }
        // Rows: r = B^T d; then columns: V = r B.
        let r00 = d0.0 - d2.0, r01 = d0.1 - d2.1, r02 = d0.2 - d2.2, r03 = d0.3 - d2.3
        let r10 = d1.0 + d2.0, r11 = d1.1 + d2.1, r12 = d1.2 + d2.2, r13 = d1.3 + d2.3
        let r20 = d2.0 - d1.0, r21 = d2.1 - d1.1, r22 = d2.2 - d1.2, r23 = d2.3 - d1.3
        let r30 = d1.0 - d3.0, r31 = d1.1 - d3.1, r32 = d1.2 - d3.2, r33 = d1.3 - d3.3
        dst[0] = r00 - r02; dst[stride] = r01 + r02; dst[2 * stride] = r02 - r01; dst[3 * stride] = r01 - r03
        dst[4 * stride] = r10 - r12; dst[5 * stride] = r11 + r12; dst[6 * stride] = r12 - r11; dst[7 * stride] = r11 - r13
        dst[8 * stride] = r20 - r22; dst[9 * stride] = r21 + r22; dst[10 * stride] = r22 - r21; dst[11 * stride] = r21 - r23
        dst[12 * stride] = r30 - r32; dst[13 * stride] = r31 + r32; dst[14 * stride] = r32 - r31; dst[15 * stride] = r31 - r33
    }

    /// M[ξ] = U[ξ] · V[ξ] for the n² planes ξ (`cblas_sgemm`, row-major).
    private func winogradMultiply(v: UnsafePointer<Float>, tileCount: Int, planes: Int, m: UnsafeMutablePointer<Float>) {
        let k = inputChannels
        winogradWeights!.withUnsafeBufferPointer { u in
            for xi in 0..<planes {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(filters), Int32(tileCount), Int32(k),
                    1, u.baseAddress! + xi * filters * k, Int32(k),
                    v + xi * Convolution.winogradPlaneStride(k * tileCount), Int32(tileCount),
                    0, m + xi * Convolution.winogradPlaneStride(filters * tileCount), Int32(tileCount))
            }
        }
    }

    /// Y = A^T M A per (filter, tile), then bias, fused affine and ReLU; writes the in-range outputs.
    private func winogradOutput(
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
                        let (y0, y1) = Convolution.winogradOutputQuad(p, stride: stride)
                        let dst = rowStart + 2 * tx
                        Convolution.store(activation.apply(y0), at: dst)
                        if hasSecondRow { Convolution.store(activation.apply(y1), at: dst + outCols) }
                        p += 4
                        tx += 4
                        continue
                    }
                    let m00 = p[0], m01 = p[stride], m02 = p[2 * stride], m03 = p[3 * stride]
                    let m10 = p[4 * stride], m11 = p[5 * stride], m12 = p[6 * stride], m13 = p[7 * stride]
                    let m20 = p[8 * stride], m21 = p[9 * stride], m22 = p[10 * stride], m23 = p[11 * stride]
                    let m30 = p[12 * stride], m31 = p[13 * stride], m32 = p[14 * stride], m33 = p[15 * stride]
                    // Rows: a = A^T M (2×4); then Y = a A (2×2).
                    let a00 = m00 + m10 + m20, a01 = m01 + m11 + m21, a02 = m02 + m12 + m22, a03 = m03 + m13 + m23
                    let a10 = m10 - m20 - m30, a11 = m11 - m21 - m31, a12 = m12 - m22 - m32, a13 = m13 - m23 - m33
                    let x0 = 2 * tx
                    let dst = rowStart + x0
                    let hasSecondColumn = x0 + 1 < outCols
                    dst[0] = activation.apply(a00 + a01 + a02)
                    if hasSecondColumn { dst[1] = activation.apply(a01 - a02 - a03) }
                    if hasSecondRow {
                        dst[outCols] = activation.apply(a10 + a11 + a12)
                        if hasSecondColumn { dst[outCols + 1] = activation.apply(a11 - a12 - a13) }
                    }
                    p += 1
                    tx += 1
                }
            }
        }
    }

    /// The F(2×2, 3×3) input transform of four neighbouring tiles at once (SIMD lanes = tiles; the
    /// tiles' 10 input columns `x0 ..< x0 + 10` must lie inside the rows), with exactly the
    /// operations of the one-tile path per element.
    @inline(__always)
    static func winogradInputQuad(_ rows: PatchRows, x0: Int, dst: UnsafeMutablePointer<Float>, stride: Int) {
        // Column j of the four tiles' patches: input columns x0 + 2t + j, t = 0 … 3.
        @inline(__always) func columns(_ row: UnsafePointer<Float>) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
            let a = UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD8<Float>.self)
            let b8 = row[x0 + 8], b9 = row[x0 + 9]
            return (
                SIMD4(a[0], a[2], a[4], a[6]), SIMD4(a[1], a[3], a[5], a[7]),
                SIMD4(a[2], a[4], a[6], b8), SIMD4(a[3], a[5], a[7], b9)
            )
        }
        let d0 = columns(rows.0), d1 = columns(rows.1), d2 = columns(rows.2), d3 = columns(rows.3)
        let r00 = d0.0 - d2.0, r01 = d0.1 - d2.1, r02 = d0.2 - d2.2, r03 = d0.3 - d2.3
        let r10 = d1.0 + d2.0, r11 = d1.1 + d2.1, r12 = d1.2 + d2.2, r13 = d1.3 + d2.3
        let r20 = d2.0 - d1.0, r21 = d2.1 - d1.1, r22 = d2.2 - d1.2, r23 = d2.3 - d1.3
        let r30 = d1.0 - d3.0, r31 = d1.1 - d3.1, r32 = d1.2 - d3.2, r33 = d1.3 - d3.3
        @inline(__always) func put(_ xi: Int, _ value: SIMD4<Float>) {
            UnsafeMutableRawPointer(dst + xi * stride).storeBytes(of: value, as: SIMD4<Float>.self)
        }
        put(0, r00 - r02); put(1, r01 + r02); put(2, r02 - r01); put(3, r01 - r03)
        put(4, r10 - r12); put(5, r11 + r12); put(6, r12 - r11); put(7, r11 - r13)
        put(8, r20 - r22); put(9, r21 + r22); put(10, r22 - r21); put(11, r21 - r23)
        put(12, r30 - r32); put(13, r31 + r32); put(14, r32 - r31); put(15, r31 - r33)
    }

    /// The F(2×2, 3×3) output transform of four neighbouring tiles at once: their two output rows,
    /// each 8 values (2 per tile, left to right), before bias and activation.
    @inline(__always)
    static func winogradOutputQuad(_ p: UnsafePointer<Float>, stride: Int) -> (SIMD8<Float>, SIMD8<Float>) {
        @inline(__always) func at(_ xi: Int) -> SIMD4<Float> {
            UnsafeRawPointer(p + xi * stride).loadUnaligned(as: SIMD4<Float>.self)
        }
        let m00 = at(0), m01 = at(1), m02 = at(2), m03 = at(3)
        let m10 = at(4), m11 = at(5), m12 = at(6), m13 = at(7)
        let m20 = at(8), m21 = at(9), m22 = at(10), m23 = at(11)
        let m30 = at(12), m31 = at(13), m32 = at(14), m33 = at(15)
        let a00 = m00 + m10 + m20, a01 = m01 + m11 + m21, a02 = m02 + m12 + m22, a03 = m03 + m13 + m23
        let a10 = m10 - m20 - m30, a11 = m11 - m21 - m31, a12 = m12 - m22 - m32, a13 = m13 - m23 - m33
        return (interleave(a00 + a01 + a02, a01 - a02 - a03), interleave(a10 + a11 + a12, a11 - a12 - a13))
    }

    /// `(a0, b0, a1, b1, a2, b2, a3, b3)`: a tile row's left and right outputs in column order.
    @inline(__always)
    static func interleave(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD8<Float> {
        SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }

    /// Stores 8 floats at `pointer` (any alignment).
    @inline(__always)
    static func store(_ value: SIMD8<Float>, at pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
