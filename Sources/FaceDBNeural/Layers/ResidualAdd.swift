/// dlib's `add_prev`: the element-wise sum of two tensors, zero-extended when their shapes differ.
///
/// The output has, per dimension, the larger channel count, rows and columns of the two (the sample
/// counts must be equal); each operand counts as 0 outside its own extent, i.e. it is extended with
/// zeros at the high-index end of channels, rows and columns. The ResNet relies on this in its
/// down-sampling units (e.g. a 128×4×4 shortcut plus a 256×3×3 block gives 256×4×4).
package enum ResidualAdd {
    /// The shape of `a ⊕ b`.
    package static func outputShape(_ a: TensorShape, _ b: TensorShape) -> TensorShape {
        precondition(a.samples == b.samples, "add_prev of tensors with different sample counts")
        return TensorShape(
            samples: a.samples, channels: max(a.channels, b.channels),
            rows: max(a.rows, b.rows), columns: max(a.columns, b.columns))
    }

    /// `a ⊕ b`, optionally rectified.
    package static func forward(_ a: Tensor, _ b: Tensor, relu: Bool = false) -> Tensor {
        var output = Tensor(shape: outputShape(a.shape, b.shape))
        a.values.withUnsafeBufferPointer { x in
            b.values.withUnsafeBufferPointer { y in
                output.values.withUnsafeMutableBufferPointer { z in
                    forward(x.baseAddress!, a.shape, y.baseAddress!, b.shape, output: z.baseAddress!, relu: relu)
                }
            }
        }
        return output
    }

    /// Writes `a ⊕ b` (then ReLU if asked) into `output`. `output` may be the same memory as `a` or `b`
    /// only when that operand already has the output shape.
    package static func forward(
        _ a: UnsafePointer<Float>, _ aShape: TensorShape, _ b: UnsafePointer<Float>, _ bShape: TensorShape,
        output: UnsafeMutablePointer<Float>, relu: Bool
    ) {
        let out = outputShape(aShape, bShape)
        if aShape == bShape {
            for i in 0..<out.count {
                let v = a[i] + b[i]
                output[i] = relu ? max(0, v) : v
            }
            return
        }
        precondition(
            (UnsafeRawPointer(output) != UnsafeRawPointer(a) || aShape == out)
                && (UnsafeRawPointer(output) != UnsafeRawPointer(b) || bShape == out),
            "in-place add_prev needs the operand to have the output shape")
        @inline(__always) func value(_ p: UnsafePointer<Float>, _ s: TensorShape, _ n: Int, _ k: Int, _ r: Int, _ c: Int) -> Float {
            guard k < s.channels, r < s.rows, c < s.columns else { return 0 }
            return p[((n * s.channels + k) * s.rows + r) * s.columns + c]
        }
        // Row by row from the front; reading a (or b) in place is safe because an element is read
        // (at the same index in the output-shaped operand) before it is overwritten.
        var i = 0
        for n in 0..<out.samples {
            for k in 0..<out.channels {
                for r in 0..<out.rows {
                    for c in 0..<out.columns {
                        let v = value(a, aShape, n, k, r, c) + value(b, bShape, n, k, r, c)
                        output[i] = relu ? max(0, v) : v
                        i += 1
                    }
                }
            }
        }
    }
}
