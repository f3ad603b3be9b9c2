import FaceDBCore

/// A 5×5 stride-2 unpadded convolution rewritten as a 3×3 stride-1 unpadded convolution over the
/// input's four stride-2 phases (space-to-depth), so that it can take Winograd's F(4×4, 3×3).
///
/// With `i = 2a + p` and `j = 2b + q` (p, q ∈ {0, 1}; a, b ∈ {0, 1, 2}),
/// `out[f][y][x] = Σ_c Σ_{i,j<5} W[f][c][i][j] · in[c][2y + i][2x + j]
///              = Σ_{p,q} Σ_c Σ_{a,b<3} W'[f][(2p + q)·C + c][a][b] · phase_{pq}[c][y + a][x + b]`
/// where `phase_{pq}[c][y][x] = in[c][2y + p][2x + q]` and `W'` is `W` with zeros where `2a + p` or
/// `2b + q` reaches 5. The phases are `ceil(H/2) × ceil(W/2)`, zero where the input ends; the
/// output has the same size either way (`ceil(H/2) − 2 = floor((H − 5)/2) + 1`).
///
/// Work: 4·9 = 36 instead of 25 multiply-adds per (output, channel) before Winograd, 9 after
/// F(4×4, 3×3) (``WinogradTile``): 2.8× fewer, and no 25-row im2col matrix. The detector's second and third downsampling layers
/// (16 and 32 channels in, so 64 and 128 after the split) qualify; the ResNet has no 5×5 layers.
package final class PhaseSplitConvolution: Sendable {
    /// The equivalent 3×3 stride-1 convolution over `4 × inputChannels` phase channels.
    package let convolution: Convolution

    /// The split layer for a convolution of this geometry, or nil when it does not qualify: not 5×5
    /// stride 2 unpadded, fewer than 16 input channels (with 64 phase channels or fewer the Winograd
    /// transforms cost more than they save: the detector's first layer, 3 channels in, is faster
    /// through im2col, see BENCHMARKS.md), or more than 32 (Winograd stops at 128 phase channels).
    package init?(
        filters: Int, inputChannels: Int, kernelRows: Int, kernelColumns: Int,
        strideRows: Int, strideColumns: Int, paddingRows: Int, paddingColumns: Int,
        weights: [Float], bias: [Float]
    ) {
        guard kernelRows == 5, kernelColumns == 5, strideRows == 2, strideColumns == 2,
            paddingRows == 0, paddingColumns == 0, (16...32).contains(inputChannels)
        else { return nil }
        let phases = 4 * inputChannels
        var split = [Float](repeating: 0, count: filters * phases * 9)
        for f in 0..<filters {
            for p in 0..<2 {
                for q in 0..<2 {
                    for c in 0..<inputChannels {
                        let channel = (2 * p + q) * inputChannels + c
                        for a in 0..<3 where 2 * a + p < 5 {
                            for b in 0..<3 where 2 * b + q < 5 {
                                split[((f * phases + channel) * 3 + a) * 3 + b] =
                                    weights[((f * inputChannels + c) * 5 + 2 * a + p) * 5 + 2 * b + q]
                            }
                        }
                    }
                }
            }
        }
        convolution = Convolution(
            filters: filters, inputChannels: phases, kernelRows: 3, kernelColumns: 3,
            weights: split, bias: bias
        ).using(.output4Kernel3)
    }

    private init(convolution: Convolution) { self.convolution = convolution }

    /// The same split with `affine` and ReLU fused into its output pass.
    package func fused(with affine: Affine?, relu: Bool) -> PhaseSplitConvolution {
        PhaseSplitConvolution(convolution: convolution.fused(with: affine, relu: relu))
    }

    /// The phase tensor's shape for an input of `shape`.
    package func phaseShape(for shape: TensorShape) -> TensorShape {
        TensorShape(
            samples: shape.samples, channels: 4 * shape.channels, rows: (shape.rows + 1) / 2,
            columns: (shape.columns + 1) / 2)
    }

    /// Whether the split pays for an input of `shape`: its 3×3 convolution takes the Winograd path.
    package func applies(to shape: TensorShape) -> Bool {
        guard let out = convolution.outputShape(for: phaseShape(for: shape)) else { return false }
        return convolution.usesWinograd(for: out)
    }

    /// Runs the layer: splits `input` into its phases (in the scratch's phase buffer), then the 3×3
    /// convolution into `output`.
    package func forward(
        input: UnsafePointer<Float>, shape: TensorShape, output: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, workers: Int
    ) {
        let split = phaseShape(for: shape)
        let phases = scratch.phaseBuffer(split.count)
        let x = SharedPointer(input), y = SharedPointer(phases)
        let planes = shape.samples * shape.channels
        let active = max(1, min(workers, planes))
        parallel(active) { w in
            var plane = w
            while plane < planes {
                PhaseSplitConvolution.split(plane: plane, input: x.base, shape: shape, into: y.base, phaseShape: split)
                plane += active
            }
        }
        convolution.forward(input: phases, shape: split, output: output, scratch: scratch, workers: workers)
    }

    /// Writes the four phases of input plane `plane` (= sample · channels + channel).
    private static func split(
        plane: Int, input: UnsafePointer<Float>, shape: TensorShape,
        into phases: UnsafeMutablePointer<Float>, phaseShape: TensorShape
    ) {
        let channels = shape.channels, n = plane / channels, c = plane % channels
        let rows = shape.rows, columns = shape.columns, pr = phaseShape.rows, pc = phaseShape.columns
        let source = input + plane * rows * columns
        for p in 0..<2 {
            for q in 0..<2 {
                var dst = phases + ((n * 4 + 2 * p + q) * channels + c) * pr * pc
                // Columns 2x + q inside the row: x < count; the rest (at most one) is zero.
                let count = (columns - q + 1) / 2
                for y in 0..<pr {
                    let sy = 2 * y + p
                    if sy < rows {
                        let row = source + sy * columns + q
                        for x in 0..<count { dst[x] = row[2 &* x] }
                        for x in count..<pc { dst[x] = 0 }
                    } else {
                        dst.update(repeating: 0, count: pc)
                    }
                    dst += pc
                }
            }
        }
    }
}
