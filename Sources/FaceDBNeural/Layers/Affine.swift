/// A per-channel affine transform, `y = scale[c] · x + shift[c]` (dlib's `affine_` in conv mode, and
/// what a batch-norm layer becomes at inference, see ``init(batchNormGamma:beta:runningMean:runningVariance:epsilon:)``).
package struct Affine: Sendable, Equatable {
    /// One multiplier per channel.
    package let scale: [Float]
    /// One offset per channel.
    package let shift: [Float]

    /// The number of channels.
    package var channels: Int { scale.count }

    /// Makes a transform; `scale` and `shift` have one value per channel.
    package init(scale: [Float], shift: [Float]) {
        precondition(scale.count == shift.count && !scale.isEmpty, "affine needs one scale and shift per channel")
        self.scale = scale
        self.shift = shift
    }

    /// A batch norm folded to an affine as dlib does at load time, in float32:
    /// `scale = γ / sqrt(runningVariance + ε)`, `shift = β − scale · runningMean`.
    package init(batchNormGamma gamma: [Float], beta: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float) {
        precondition(gamma.count == beta.count && gamma.count == runningMean.count && gamma.count == runningVariance.count)
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = scale
        for c in gamma.indices {
            scale[c] = gamma[c] / (runningVariance[c] + epsilon).squareRoot()
            shift[c] = beta[c] - scale[c] * runningMean[c]
        }
        self.init(scale: scale, shift: shift)
    }

    /// Runs the transform on `input` (its channel count must match).
    package func forward(_ input: Tensor) -> Tensor {
        precondition(input.shape.channels == channels, "affine for \(channels) channels cannot take \(input.shape)")
        var output = input
        let plane = input.shape.planeCount
        output.values.withUnsafeMutableBufferPointer { y in
            for n in 0..<input.shape.samples {
                for c in 0..<channels {
                    let base = (n * channels + c) * plane
                    let g = scale[c], b = shift[c]
                    for i in base..<(base + plane) { y[i] = g * y[i] + b }
                }
            }
        }
        return output
    }
}
