/// A max or average pooling window over each channel plane (dlib's `max_pool_2` / `avg_pool_2`).
///
/// Output size is `1 + floor((H + 2p − kh)/s)` (likewise for columns). Output (r, c) covers input rows
/// `r·s − p … r·s − p + kh − 1` and columns likewise, clipped to the plane: the maximum, or the mean
/// over the clipped (in-range) elements only. A window of 0×0 means the whole plane
/// (dlib's `avg_pool_everything`, see ``globalAverage``).
package struct Pooling: Sendable, Equatable {
    /// Maximum or mean.
    package enum Kind: Sendable, Equatable {
        /// The largest value in the window.
        case max
        /// The mean of the in-range values in the window.
        case average
    }

    /// Maximum or mean.
    package let kind: Kind
    /// Window rows (0 = all rows of the plane).
    package let windowRows: Int
    /// Window columns (0 = all columns of the plane).
    package let windowColumns: Int
    /// Vertical stride.
    package let strideRows: Int
    /// Horizontal stride.
    package let strideColumns: Int
    /// Padding rows (virtual; never part of a max or a mean).
    package let paddingRows: Int
    /// Padding columns (virtual; never part of a max or a mean).
    package let paddingColumns: Int

    /// Makes a pooling layer.
    package init(
        _ kind: Kind, windowRows: Int, windowColumns: Int, strideRows: Int, strideColumns: Int,
        paddingRows: Int = 0, paddingColumns: Int = 0
    ) {
        precondition(windowRows >= 0 && windowColumns >= 0 && strideRows > 0 && strideColumns > 0)
        precondition(paddingRows >= 0 && paddingColumns >= 0)
        precondition((windowRows == 0) == (windowColumns == 0), "a whole-plane window is 0×0")
        precondition(
            windowRows == 0 || (paddingRows < windowRows && paddingColumns < windowColumns),
            "padding must be smaller than the window")
        self.kind = kind
        self.windowRows = windowRows
        self.windowColumns = windowColumns
        self.strideRows = strideRows
        self.strideColumns = strideColumns
        self.paddingRows = paddingRows
        self.paddingColumns = paddingColumns
    }

    /// The mean of each whole channel plane (output 1×1 per channel).
    package static let globalAverage = Pooling(.average, windowRows: 0, windowColumns: 0, strideRows: 1, strideColumns: 1)

    /// The output shape for `input`; nil when the window does not fit.
    package func outputShape(for input: TensorShape) -> TensorShape? {
        if windowRows == 0 {
            guard input.rows > 0, input.columns > 0 else { return nil }
            return TensorShape(samples: input.samples, channels: input.channels, rows: 1, columns: 1)
        }
        let h = input.rows + 2 * paddingRows - windowRows
        let w = input.columns + 2 * paddingColumns - windowColumns
        guard h >= 0, w >= 0 else { return nil }
        return TensorShape(samples: input.samples, channels: input.channels, rows: 1 + h / strideRows, columns: 1 + w / strideColumns)
    }

    /// Runs the layer on `input` (allocating).
    package func forward(_ input: Tensor) -> Tensor {
        guard let shape = outputShape(for: input.shape) else {
            preconditionFailure("pooling \(windowRows)×\(windowColumns) cannot take input \(input.shape)")
        }
        var output = Tensor(shape: shape)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                forward(input: x.baseAddress!, shape: input.shape, output: y.baseAddress!)
            }
        }
        return output
    }

    /// Runs the layer from `input` into `output` (shape ``outputShape(for:)``).
    package func forward(input: UnsafePointer<Float>, shape: TensorShape, output: UnsafeMutablePointer<Float>) {
        guard let out = outputShape(for: shape) else { preconditionFailure("pooling cannot take input \(shape)") }
        let inRows = shape.rows, inCols = shape.columns
        let kh = windowRows == 0 ? inRows : windowRows, kw = windowColumns == 0 ? inCols : windowColumns
        let sr = windowRows == 0 ? 1 : strideRows, sc = windowColumns == 0 ? 1 : strideColumns
        let pr = windowRows == 0 ? 0 : paddingRows, pc = windowColumns == 0 ? 0 : paddingColumns
        let planes = shape.samples * shape.channels
        if pr == 0, pc == 0 {
            // Every window lies inside the plane: no clipping, a constant divisor.
            let count = Float(kh * kw)
            for plane in 0..<planes {
                let src = input + plane * inRows * inCols
                var dst = output + plane * out.rows * out.columns
                for r in 0..<out.rows {
                    let top = src + r * sr * inCols
                    switch kind {
                    case .max where kh == 3 && kw == 3:
                        let a = top, b = top + inCols, c = top + 2 * inCols
                        var x = 0
                        for col in 0..<out.columns {
                            let m0 = max(max(a[x], a[x + 1]), a[x + 2])
                            let m1 = max(max(b[x], b[x + 1]), b[x + 2])
                            let m2 = max(max(c[x], c[x + 1]), c[x + 2])
                            dst[col] = max(max(m0, m1), m2)
                            x += sc
                        }
                    case .max:
                        for col in 0..<out.columns {
                            let corner = top + col * sc
                            var value = corner[0]
                            for y in 0..<kh {
                                let row = corner + y * inCols
                                for x in 0..<kw { value = max(value, row[x]) }
                            }
                            dst[col] = value
                        }
                    case .average:
                        for col in 0..<out.columns {
                            let corner = top + col * sc
                            var value: Float = 0
                            for y in 0..<kh {
                                let row = corner + y * inCols
                                for x in 0..<kw { value += row[x] }
                            }
                            dst[col] = value / count
                        }
                    }
                    dst += out.columns
                }
            }
            return
        }
        for plane in 0..<planes {
            let src = input + plane * inRows * inCols
            let dst = output + plane * out.rows * out.columns
            for r in 0..<out.rows {
                let r0 = max(0, r * sr - pr), r1 = min(inRows, r * sr - pr + kh)
                for c in 0..<out.columns {
                    let c0 = max(0, c * sc - pc), c1 = min(inCols, c * sc - pc + kw)
                    var value: Float
                    switch kind {
                    case .max:
                        value = -Float.infinity
                        for y in r0..<r1 { for x in c0..<c1 { value = max(value, src[y * inCols + x]) } }
                    case .average:
                        value = 0
                        for y in r0..<r1 { for x in c0..<c1 { value += src[y * inCols + x] } }
                        let count = (r1 - r0) * (c1 - c0)
                        value = count > 0 ? value / Float(count) : 0
                    }
                    dst[r * out.columns + c] = value
                }
            }
        }
    }
}
