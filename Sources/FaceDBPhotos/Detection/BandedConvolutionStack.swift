import Dispatch
import FaceDBNeural

/// Runs a stack of unpadded convolutions (the detector's three 5×5 stride-2 "downsampler" layers)
/// band by band over output rows, so that the large intermediate outputs of the first layers never
/// exist in full: only the stack's input and final output are whole tensors, plus one band of each
/// intermediate layer.
///
/// Output row j of an unpadded layer with kernel k and stride s reads input rows j·s … j·s + k − 1,
/// so a band [a, b) of the last layer needs rows [a·s, (b − 1)·s + k) of the layer below, and so
/// on down to the input; overlapping rows at band edges are computed twice (a few percent). Each
/// output value is computed from exactly the same inputs as without banding.
struct BandedConvolutionStack {
    /// The layers, input side first; every one has zero padding.
    let layers: [Convolution]
    /// Target floats for one band's buffers (input band plus every intermediate band).
    let bandBudget: Int

    init(layers: [Convolution], bandBudget: Int = 6 << 20) {
        precondition(layers.allSatisfy { $0.paddingRows == 0 && $0.paddingColumns == 0 }, "banding needs unpadded layers")
        self.layers = layers
        self.bandBudget = bandBudget
    }

    /// The rows of layer `index`'s input that output rows [lo, hi) of that layer read.
    private func inputRows(of index: Int, _ lo: Int, _ hi: Int) -> (Int, Int) {
        let layer = layers[index]
        return (lo * layer.strideRows, (hi - 1) * layer.strideRows + layer.kernelRows)
    }

    /// The output shape of the whole stack for `input`, or nil if it does not fit.
    func outputShape(for input: TensorShape) -> TensorShape? {
        var shape = input
        for layer in layers {
            guard let next = layer.outputShape(for: shape) else { return nil }
            shape = next
        }
        return shape
    }

    /// Output rows per band for an input of `columns` columns.
    func bandRows(for input: TensorShape) -> Int {
        // Floats per output row of the last layer, summed over the band buffers (input band and
        // every layer's band; each level down has `stride` times as many rows).
        var perRow = 0, rowsFactor = 1
        var shape = input
        var shapes: [TensorShape] = [input]
        for layer in layers {
            shape = layer.outputShape(for: shape) ?? shape
            shapes.append(shape)
        }
        for i in stride(from: layers.count, through: 0, by: -1) {
            perRow += shapes[i].channels * shapes[i].columns * rowsFactor
            if i > 0 { rowsFactor *= layers[i - 1].strideRows }
        }
        return max(4, bandBudget / max(1, perRow))
    }

    /// The floats one band uses (for memory estimates).
    func bandFloats(for input: TensorShape) -> Int {
        let rows = bandRows(for: input)
        var total = 0
        var (lo, hi) = (0, rows)
        var shapes: [TensorShape] = [input]
        var shape = input
        for layer in layers {
            shape = layer.outputShape(for: shape) ?? shape
            shapes.append(shape)
        }
        total += shapes[layers.count].channels * shapes[layers.count].columns * rows
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            (lo, hi) = inputRows(of: i, lo, hi)
            total += shapes[i].channels * shapes[i].columns * (hi - lo)
        }
        return total
    }

    /// Runs the stack on `input` (one sample, NCHW) into `output` (``outputShape(for:)``), with
    /// `layers.count + 1` band buffers (grown as needed; by default fresh ones); `elapsed`, if
    /// given, receives each layer's total time over the bands, in seconds.
    func forward(
        input: UnsafePointer<Float>, shape: TensorShape, output: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, workers: Int, bands: [FloatBuffer]? = nil,
        elapsed: ((Int, Double) -> Void)? = nil
    ) {
        precondition(shape.samples == 1, "banded convolutions run one sample at a time")
        guard let outShape = outputShape(for: shape), outShape.rows > 0 else { return }
        let band = bandRows(for: shape)
        let buffers = bands ?? (0...layers.count).map { _ in FloatBuffer() }
        precondition(buffers.count == layers.count + 1, "one band buffer per level")
        var nanoseconds = [UInt64](repeating: 0, count: layers.count)
        defer { if let elapsed { for (i, t) in nanoseconds.enumerated() { elapsed(i, Double(t) / 1e9) } } }
        var a = 0
        while a < outShape.rows {
            let b = min(outShape.rows, a + band)
            // Row ranges at every level, input first.
            var ranges = [(Int, Int)](repeating: (0, 0), count: layers.count + 1)
            ranges[layers.count] = (a, b)
            for i in stride(from: layers.count - 1, through: 0, by: -1) {
                ranges[i] = inputRows(of: i, ranges[i + 1].0, ranges[i + 1].1)
            }
            // Copy the input rows of the band, channel by channel.
            let (r0, r1) = ranges[0]
            var bandShape = TensorShape(samples: 1, channels: shape.channels, rows: r1 - r0, columns: shape.columns)
            buffers[0].reserve(bandShape.count)
            for c in 0..<shape.channels {
                (buffers[0].pointer + c * bandShape.planeCount)
                    .update(from: input + c * shape.planeCount + r0 * shape.columns, count: bandShape.planeCount)
            }
            for (i, layer) in layers.enumerated() {
                guard let next = layer.outputShape(for: bandShape) else { preconditionFailure("band shape") }
                buffers[i + 1].reserve(next.count)
                let start = DispatchTime.now().uptimeNanoseconds
                layer.forward(input: buffers[i].pointer, shape: bandShape, output: buffers[i + 1].pointer, scratch: scratch, workers: workers)
                nanoseconds[i] += DispatchTime.now().uptimeNanoseconds - start
                bandShape = next
            }
            precondition(bandShape.rows == b - a, "band rows")
            // Scatter the band into the output rows [a, b) of every channel.
            let last = buffers[layers.count].pointer
            for c in 0..<outShape.channels {
                (output + c * outShape.planeCount + a * outShape.columns)
                    .update(from: last + c * bandShape.planeCount, count: bandShape.planeCount)
            }
            a = b
        }
    }
}
