/// What the Winograd transforms share: walking a chunk's tiles row by row, the input pass, the
/// output pass of the algorithms with 4×4 output blocks, and the output pass's bias, fused affine
/// and ReLU.
extension Convolution {
    /// Calls `body(sample, tileRow, firstColumn, endColumn, offset)` for each run of the chunk's
    /// tiles `firstTile ..< firstTile + tileCount` that lies in one row of tiles (tiles are numbered
    /// sample by sample, row by row); `offset` is the run's first tile's position in the chunk.
    @inline(__always)
    static func forEachTileRun(
        firstTile: Int, tileCount: Int, tileRows: Int, tileCols: Int,
        _ body: (_ sample: Int, _ tileRow: Int, _ first: Int, _ end: Int, _ offset: Int) -> Void
    ) {
        let tilesPerSample = tileRows * tileCols, lastTile = firstTile + tileCount
        var tile = firstTile
        while tile < lastTile {
            let n = tile / tilesPerSample, ty = (tile % tilesPerSample) / tileCols, txFirst = tile % tileCols
            let txEnd = min(tileCols, txFirst + (lastTile - tile))
            body(n, ty, txFirst, txEnd, tile - firstTile)
            tile += txEnd - txFirst
        }
    }

    /// Up to eight rows of an input patch (a zero row where the patch leaves the plane, and for the
    /// rows beyond the tile).
    typealias PatchRows = (
        UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
        UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>
    )

    /// The input pass of every algorithm (tiles of `size` = 4, 6 or 8 rows and columns, starting
    /// every `step`, the output block): for each channel and each run of tiles in one row of tiles,
    /// `quad(rows, x0, dst, stride)` transforms four tiles at once where their `quadColumns` input
    /// columns from `x0` lie inside the plane, `single(rows, x0, inColumns, dst, stride)` one tile
    /// otherwise (checking columns). `dst` is tile t's first value, `stride` the distance between
    /// the ξ planes.
    @inline(__always)
    func winogradInputPass(
        input: UnsafePointer<Float>, shape: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, v: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>,
        size: Int, step: Int, quadColumns: Int,
        quad: (PatchRows, Int, UnsafeMutablePointer<Float>, Int) -> Void,
        single: (PatchRows, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        let inRows = shape.rows, inCols = shape.columns, pr = paddingRows, pc = paddingColumns
        let stride = Convolution.winogradPlaneStride(inputChannels * tileCount)  // between ξ planes
        for c in 0..<inputChannels {
            Convolution.forEachTileRun(firstTile: firstTile, tileCount: tileCount, tileRows: tileRows, tileCols: tileCols) {
                n, ty, txFirst, txEnd, offset in
                let plane = input + (n * inputChannels + c) * inRows * inCols
                let y0 = step * ty - pr
                // A row outside the plane is the zero row, shifted so that column indices from −4 stay inside it.
                func rowPointer(_ i: Int) -> UnsafePointer<Float> {
                    i < size && y0 + i >= 0 && y0 + i < inRows ? plane + (y0 + i) * inCols : zeros + 4
                }
                let rows = (
                    rowPointer(0), rowPointer(1), rowPointer(2), rowPointer(3),
                    rowPointer(4), rowPointer(5), rowPointer(6), rowPointer(7)
                )
                var dst = v + c * tileCount + offset
                var tx = txFirst
                while tx < txEnd {
                    let x0 = step * tx - pc
                    if tx + 4 <= txEnd, x0 >= 0, x0 + quadColumns <= inCols {
                        quad(rows, x0, dst, stride)
                        dst += 4
                        tx += 4
                        continue
                    }
                    single(rows, x0, inCols, dst, stride)
                    dst += 1
                    tx += 1
                }
            }
        }
    }

    /// Columns `x0 ..< x0 + count` (count ≤ 8) of a patch row as lanes `0 ..< count`, zero outside
    /// `0 ..< inColumns` (and in the lanes beyond `count`, unless all eight lie inside the row).
    @inline(__always)
    static func patchRow(_ row: UnsafePointer<Float>, x0: Int, count: Int, inColumns: Int) -> SIMD8<Float> {
        if x0 >= 0, x0 + 8 <= inColumns { return UnsafeRawPointer(row + x0).loadUnaligned(as: SIMD8<Float>.self) }
        var r = SIMD8<Float>()
        for j in 0..<count where x0 + j >= 0 && x0 + j < inColumns { r[j] = row[x0 + j] }
        return r
    }

    /// One tile's 4×4 outputs from its `size × size` products M (ξ = size·k + l, planes `stride`
    /// apart): `transform` (A^T on lanes `0 ..< size`) down each column of M, then along each of the
    /// four resulting rows. Each value takes the same operations as in the four-tile transforms.
    @inline(__always)
    static func winograd4OutputTile(
        _ p: UnsafePointer<Float>, stride: Int, size: Int, transform: (SIMD8<Float>) -> SIMD4<Float>
    ) -> TileOutputRows {
        var a = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())  // rows of A^T M
        for l in 0..<size {
            var column = SIMD8<Float>()
            for k in 0..<size { column[k] = p[(size * k + l) * stride] }
            let t = transform(column)
            a.0[l] = t[0]; a.1[l] = t[1]; a.2[l] = t[2]; a.3[l] = t[3]
        }
        return (transform(a.0), transform(a.1), transform(a.2), transform(a.3))
    }

    /// Four output rows of four tiles (16 values each: 4 per tile, left to right).
    typealias QuadOutputRows = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)
    /// The 4×4 outputs of one tile, row by row.
    typealias TileOutputRows = (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>)

    /// The output pass of the algorithms with 4×4 output blocks: for each filter and each run of
    /// tiles, `quad(p, stride)` transforms four tiles at once where their 16 columns lie inside the
    /// plane, `single(p, stride)` one tile otherwise; then bias, fused affine and ReLU, and only the
    /// in-range outputs are written. `p` is the tile's first product, `stride` the distance between
    /// the ξ planes.
    @inline(__always)
    func winograd4OutputPass(
        m: UnsafePointer<Float>, out: TensorShape, tileRows: Int, tileCols: Int,
        firstTile: Int, tileCount: Int, output: UnsafeMutablePointer<Float>,
        quad: (UnsafePointer<Float>, Int) -> QuadOutputRows,
        single: (UnsafePointer<Float>, Int) -> TileOutputRows
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
                        let rows = quad(p, stride)
                        let dst = rowStart + 4 * tx
                        for i in 0..<rowsInside {
                            let row = i == 0 ? rows.0 : i == 1 ? rows.1 : i == 2 ? rows.2 : rows.3
                            UnsafeMutableRawPointer(dst + i * outCols).storeBytes(of: activation.apply(row), as: SIMD16<Float>.self)
                        }
                        p += 4
                        tx += 4
                        continue
                    }
                    let rows = single(p, stride)
                    let x0 = 4 * tx
                    let columnsInside = min(4, outCols - x0)
                    for i in 0..<rowsInside {
                        let row = i == 0 ? rows.0 : i == 1 ? rows.1 : i == 2 ? rows.2 : rows.3
                        let dst = rowStart + i * outCols + x0
                        for c in 0..<columnsInside { dst[c] = activation.apply(row[c]) }
                    }
                    p += 1
                    tx += 1
                }
            }
        }
    }

    /// Filter `f`'s output activation: `relu(scale · (x + bias) + shift)` in that float order.
    func outputActivation(filter f: Int) -> OutputActivation {
        OutputActivation(
            bias: bias[f], scale: affine?.scale[f] ?? 1, shift: affine?.shift[f] ?? 0,
            hasAffine: affine != nil, relu: appliesReLU)
    }
}

/// The bias, fused affine and ReLU a convolution's output pass applies to one filter's values.
struct OutputActivation {
    let bias: Float, scale: Float, shift: Float
    let hasAffine: Bool, relu: Bool

    /// One value.
    @inline(__always)
    func apply(_ value: Float) -> Float {
        let v = hasAffine ? (value + bias) * scale + shift : value + bias
        return relu ? max(0, v) : v
    }

    /// Eight values at once (the same operations lane by lane).
    @inline(__always)
    func apply(_ value: SIMD8<Float>) -> SIMD8<Float> {
        let v = hasAffine ? (value + bias) * scale + shift : value + bias
        return relu ? v.replacing(with: 0, where: v .< 0) : v
    }

    /// Sixteen values at once (the same operations lane by lane).
    @inline(__always)
    func apply(_ value: SIMD16<Float>) -> SIMD16<Float> {
        let v = hasAffine ? (value + bias) * scale + shift : value + bias
        return relu ? v.replacing(with: 0, where: v .< 0) : v
    }
}
