/// A 2-D convolution (cross-correlation, filters not flipped) with zero padding, as dlib's `con_`:
/// `out[f][y][x] = bias[f] + Σ_c Σ_i Σ_j W[f][c][i][j] · in[c][y·s − p + i][x·s − p + j]`.
///
/// It can carry a per-channel ``Affine`` and a ReLU fused into its output pass
/// (``fused(with:relu:)``): the output is then `relu(scale[f] · (conv + bias[f]) + shift[f])`, computed
/// in exactly that float order, which is what dlib computes with three separate layers.
///
/// The forward pass is im2col + `cblas_sgemm`, tiled over output rows of all samples of the batch
/// (the batch is part of the GEMM's N dimension) so that the column buffer stays within
/// ``ConvolutionScratch/columnBudget`` floats per worker. Stride-1 3×3 and 5×5 layers with up to
/// 128 input channels on planes of 8×8 or more take Winograd's F(2×2, 3×3) or F(4×4, 5×5) instead
/// (16 GEMMs over 2×2 output blocks or 64 over 4×4 blocks: 2.25× or 6.25× fewer multiplications;
/// `Convolution+Winograd.swift`), and 5×5 stride-2 unpadded layers (the detector's downsampler) are
/// rewritten as a 3×3 stride-1 convolution over the input's four phases, which takes F(4×4, 3×3)
/// (``PhaseSplitConvolution``). All paths agree with direct summation to float rounding (the
/// layer tests); the ResNet stays within a few 1e-7 of dlib and the detector's confidences within
/// a few 1e-6.
package struct Convolution: Sendable {
    /// Number of filters (output channels).
    package let filters: Int
    /// Number of input channels.
    package let inputChannels: Int
    /// Kernel rows.
    package let kernelRows: Int
    /// Kernel columns.
    package let kernelColumns: Int
    /// Vertical stride.
    package let strideRows: Int
    /// Horizontal stride.
    package let strideColumns: Int
    /// Zero rows added above and below.
    package let paddingRows: Int
    /// Zero columns added left and right.
    package let paddingColumns: Int
    /// Filter weights, `filters × inputChannels × kernelRows × kernelColumns`, row-major.
    package let weights: [Float]
    /// One bias per filter.
    package let bias: [Float]
    /// The fused affine transform, if any (one scale and shift per filter).
    package private(set) var affine: Affine?
    /// Whether a ReLU is applied last in the output pass.
    package private(set) var appliesReLU: Bool = false
    /// The Winograd algorithm of this layer's geometry (3×3 or 5×5, stride 1), if any.
    private(set) var winograd: WinogradTile?
    /// The filters in that algorithm's domain, `n² × filters × inputChannels` (nil without one);
    /// see `Convolution+Winograd.swift`.
    private(set) var winogradWeights: [Float]?
    /// For 5×5 stride-2 unpadded layers: the same layer rewritten as a 3×3 stride-1 convolution over
    /// the input's four stride-2 phases, which takes Winograd's F(4×4, 3×3) (``PhaseSplitConvolution``).
    private(set) var phaseSplit: PhaseSplitConvolution?
    /// For stride-1 layers with one or two filters: the weights as a `(filters · kh · kw) × channels`
    /// matrix, row `(f·kh + i)·kw + j` holding `W[f][·][i][j]` (`Convolution+TapPlanes.swift`).
    private(set) var tapWeights: [Float]?

    /// Makes a convolution.
    ///
    /// - Parameters:
    ///   - weights: `filters × inputChannels × kernelRows × kernelColumns` values, row-major.
    ///   - bias: `filters` values, or nil for none (zeros).
    package init(
        filters: Int, inputChannels: Int, kernelRows: Int, kernelColumns: Int,
        strideRows: Int = 1, strideColumns: Int = 1, paddingRows: Int = 0, paddingColumns: Int = 0,
        weights: [Float], bias: [Float]? = nil
    ) {
        precondition(filters > 0 && inputChannels > 0 && kernelRows > 0 && kernelColumns > 0, "empty convolution")
        precondition(strideRows > 0 && strideColumns > 0, "stride must be positive")
        precondition(paddingRows >= 0 && paddingColumns >= 0, "padding must not be negative")
        precondition(paddingRows < kernelRows && paddingColumns < kernelColumns, "padding must be smaller than the kernel")
        precondition(weights.count == filters * inputChannels * kernelRows * kernelColumns, "wrong number of weights")
        precondition(bias == nil || bias!.count == filters, "wrong number of biases")
        self.filters = filters
        self.inputChannels = inputChannels
        self.kernelRows = kernelRows
        self.kernelColumns = kernelColumns
        self.strideRows = strideRows
        self.strideColumns = strideColumns
        self.paddingRows = paddingRows
        self.paddingColumns = paddingColumns
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: filters)
        self.winograd = WinogradTile.of(
            kernelRows: kernelRows, kernelColumns: kernelColumns, strideRows: strideRows, strideColumns: strideColumns,
            paddingRows: paddingRows, paddingColumns: paddingColumns, inputChannels: inputChannels)
        self.winogradWeights = winograd?.transformedWeights(weights, filters: filters, inputChannels: inputChannels)
        self.tapWeights = Convolution.tapMatrix(
            weights, filters: filters, inputChannels: inputChannels, kernelRows: kernelRows, kernelColumns: kernelColumns,
            strideRows: strideRows, strideColumns: strideColumns)
        self.phaseSplit = PhaseSplitConvolution(
            filters: filters, inputChannels: inputChannels, kernelRows: kernelRows, kernelColumns: kernelColumns,
            strideRows: strideRows, strideColumns: strideColumns, paddingRows: paddingRows,
            paddingColumns: paddingColumns, weights: weights, bias: self.bias)
    }

    /// This convolution followed by `affine` (one channel per filter) and, if `relu`, a ReLU, in one pass.
    package func fused(with affine: Affine?, relu: Bool) -> Convolution {
        precondition(affine == nil || affine!.channels == filters, "affine channels differ from the filters")
        var copy = self
        copy.affine = affine
        copy.appliesReLU = relu
        copy.phaseSplit = phaseSplit?.fused(with: affine, relu: relu)
        return copy
    }

    /// This convolution computed with the Winograd algorithm `tile` instead of its default (the
    /// kernel size must match, stride 1).
    package func using(_ tile: WinogradTile) -> Convolution {
        precondition(
            tile.kernel == kernelRows && tile.kernel == kernelColumns && strideRows == 1 && strideColumns == 1,
            "Winograd algorithm for another geometry")
        var copy = self
        copy.winograd = tile
        copy.winogradWeights = tile.transformedWeights(weights, filters: filters, inputChannels: inputChannels)
        return copy
    }

    /// Rows of the patch matrix: `inputChannels × kernelRows × kernelColumns`.
    package var patchSize: Int { inputChannels * kernelRows * kernelColumns }

    /// The output shape for `input`: `1 + floor((H + 2p − k)/s)` rows, likewise columns, `filters` channels.
    /// Nil when the input has the wrong channel count or is smaller than the kernel.
    package func outputShape(for input: TensorShape) -> TensorShape? {
        guard input.channels == inputChannels else { return nil }
        let h = input.rows + 2 * paddingRows - kernelRows
        let w = input.columns + 2 * paddingColumns - kernelColumns
        guard h >= 0, w >= 0 else { return nil }
        return TensorShape(samples: input.samples, channels: filters, rows: 1 + h / strideRows, columns: 1 + w / strideColumns)
    }

    /// Runs the layer on `input` (allocating; for tests and one-off use).
    package func forward(_ input: Tensor, workers: Int = 1) -> Tensor {
        guard let shape = outputShape(for: input.shape) else {
            preconditionFailure("convolution \(filters)×\(inputChannels)×\(kernelRows)×\(kernelColumns) cannot take input \(input.shape)")
        }
        var output = Tensor(shape: shape)
        let scratch = ConvolutionScratch()
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                forward(input: x.baseAddress!, shape: input.shape, output: y.baseAddress!, scratch: scratch, workers: workers)
            }
        }
        return output
    }
}
