import CBLAS

/// A fully connected layer (dlib's `fc` / `fc_no_bias`): `out[o] = Σ_i x[i] · W[i·O + o] (+ bias[o])`,
/// with `x` the sample flattened in (channel, row, column) order and `W` stored inputs × outputs,
/// row-major (the transpose of PyTorch's convention). One `cblas_sgemm` for the whole batch.
package struct FullyConnected: Sendable {
    /// Inputs per sample (`channels × rows × columns` of the input).
    package let inputs: Int
    /// Outputs per sample.
    package let outputs: Int
    /// `inputs × outputs` weights, row-major.
    package let weights: [Float]
    /// `outputs` biases, or nil for none.
    package let bias: [Float]?

    /// Makes a layer; `weights` has `inputs × outputs` values (row-major), `bias` `outputs` values or nil.
    package init(inputs: Int, outputs: Int, weights: [Float], bias: [Float]? = nil) {
        precondition(inputs > 0 && outputs > 0 && weights.count == inputs * outputs, "wrong number of weights")
        precondition(bias == nil || bias!.count == outputs, "wrong number of biases")
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
    }

    /// The output shape for `input`: `samples × outputs × 1 × 1`; nil when the input size differs.
    package func outputShape(for input: TensorShape) -> TensorShape? {
        guard input.sampleCount == inputs else { return nil }
        return TensorShape(samples: input.samples, channels: outputs, rows: 1, columns: 1)
    }

    /// Runs the layer on `input` (allocating).
    package func forward(_ input: Tensor) -> Tensor {
        guard let shape = outputShape(for: input.shape) else {
            preconditionFailure("fully connected \(inputs)→\(outputs) cannot take input \(input.shape)")
        }
        var output = Tensor(shape: shape)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                forward(input: x.baseAddress!, samples: input.shape.samples, output: y.baseAddress!)
            }
        }
        return output
    }

    /// `output[n][o]` for `samples` samples of `inputs` floats each.
    package func forward(input: UnsafePointer<Float>, samples: Int, output: UnsafeMutablePointer<Float>) {
        guard samples > 0 else { return }
        weights.withUnsafeBufferPointer { w in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans,
                Int32(samples), Int32(outputs), Int32(inputs),
                1, input, Int32(inputs), w.baseAddress!, Int32(outputs),
                0, output, Int32(outputs))
        }
        if let bias {
            for n in 0..<samples { for o in 0..<outputs { output[n * outputs + o] += bias[o] } }
        }
    }
}
