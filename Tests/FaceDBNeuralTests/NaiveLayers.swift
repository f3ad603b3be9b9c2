import FaceDBNeural

/// Direct loop implementations of the layer semantics of spec section 3, written independently of the
/// engine (no im2col, no BLAS, Double accumulation): the oracle of the layer tests.
enum Naive {
    static func convolution(
        _ x: Tensor, weights: [Float], bias: [Float], filters: Int, kernelRows kh: Int, kernelColumns kw: Int,
        stride: (Int, Int), padding: (Int, Int)
    ) -> Tensor {
        let s = x.shape
        let outRows = 1 + (s.rows + 2 * padding.0 - kh) / stride.0
        let outCols = 1 + (s.columns + 2 * padding.1 - kw) / stride.1
        var y = Tensor(shape: TensorShape(samples: s.samples, channels: filters, rows: outRows, columns: outCols))
        for n in 0..<s.samples {
            for f in 0..<filters {
                for r in 0..<outRows {
                    for c in 0..<outCols {
                        var sum = 0.0
                        for k in 0..<s.channels {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let yy = r * stride.0 - padding.0 + i, xx = c * stride.1 - padding.1 + j
                                    guard yy >= 0, yy < s.rows, xx >= 0, xx < s.columns else { continue }
                                    sum += Double(weights[((f * s.channels + k) * kh + i) * kw + j]) * Double(x[n, k, yy, xx])
                                }
                            }
                        }
                        y[n, f, r, c] = Float(sum + Double(bias[f]))
                    }
                }
            }
        }
        return y
    }

    static func affine(_ x: Tensor, scale: [Float], shift: [Float]) -> Tensor {
        var y = x
        for n in 0..<x.shape.samples {
            for k in 0..<x.shape.channels {
                for r in 0..<x.shape.rows {
                    for c in 0..<x.shape.columns { y[n, k, r, c] = scale[k] * x[n, k, r, c] + shift[k] }
                }
            }
        }
        return y
    }

    static func relu(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, values: x.values.map { $0 > 0 ? $0 : 0 })
    }

    static func pool(_ x: Tensor, max isMax: Bool, window: (Int, Int), stride: (Int, Int), padding: (Int, Int)) -> Tensor {
        let s = x.shape
        let kh = window.0 == 0 ? s.rows : window.0, kw = window.1 == 0 ? s.columns : window.1
        let st = window.0 == 0 ? (1, 1) : stride, p = window.0 == 0 ? (0, 0) : padding
        let outRows = 1 + (s.rows + 2 * p.0 - kh) / st.0, outCols = 1 + (s.columns + 2 * p.1 - kw) / st.1
        var y = Tensor(shape: TensorShape(samples: s.samples, channels: s.channels, rows: outRows, columns: outCols))
        for n in 0..<s.samples {
            for k in 0..<s.channels {
                for r in 0..<outRows {
                    for c in 0..<outCols {
                        var values: [Float] = []
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let yy = r * st.0 - p.0 + i, xx = c * st.1 - p.1 + j
                                if yy >= 0, yy < s.rows, xx >= 0, xx < s.columns { values.append(x[n, k, yy, xx]) }
                            }
                        }
                        y[n, k, r, c] = isMax ? values.max()! : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
                    }
                }
            }
        }
        return y
    }

    static func zeroExtendingAdd(_ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = TensorShape(
            samples: a.shape.samples, channels: max(a.shape.channels, b.shape.channels),
            rows: max(a.shape.rows, b.shape.rows), columns: max(a.shape.columns, b.shape.columns))
        func at(_ t: Tensor, _ n: Int, _ k: Int, _ r: Int, _ c: Int) -> Float {
            k < t.shape.channels && r < t.shape.rows && c < t.shape.columns ? t[n, k, r, c] : 0
        }
        var y = Tensor(shape: shape)
        for n in 0..<shape.samples {
            for k in 0..<shape.channels {
                for r in 0..<shape.rows {
                    for c in 0..<shape.columns { y[n, k, r, c] = at(a, n, k, r, c) + at(b, n, k, r, c) }
                }
            }
        }
        return y
    }

    static func fullyConnected(_ x: Tensor, weights: [Float], bias: [Float]?, outputs: Int) -> Tensor {
        let inputs = x.shape.sampleCount
        var y = Tensor(shape: TensorShape(samples: x.shape.samples, channels: outputs, rows: 1, columns: 1))
        for n in 0..<x.shape.samples {
            for o in 0..<outputs {
                var sum = 0.0
                for i in 0..<inputs { sum += Double(x.values[n * inputs + i]) * Double(weights[i * outputs + o]) }
                y.values[n * outputs + o] = Float(sum) + (bias?[o] ?? 0)
            }
        }
        return y
    }
}
