/// What the Winograd transforms share: walking a chunk's tiles row by row, and the output pass's
/// bias, fused affine and ReLU.
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

    /// Filter `f`'s output activation: `relu(scale · (x + bias) + shift)` in that float order.
    func outputActivation(filter f: Int) -> OutputActivation {
        OutputActivation(bias: bias[f], scale: affine?.scale[f] ?? 1, shift: affine?.shift[f] ?? 0,
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
