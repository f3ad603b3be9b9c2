/// Layer readers shared by the dlib networks (the face embedder's ResNet and the MMOD detector).
extension DlibDecoder {
    /// A `con_` layer with a square `kernel`, `stride` in both directions and dlib's padding for it
    /// (half the kernel at stride 1, none otherwise), checking every stored field against them.
    package mutating func readConvolution(inputChannels: Int, filters: Int, kernel: Int, stride: Int) throws(DlibDecoder.Failure) -> Convolution {
        try expectTag(["con_4"], "a convolution layer")
        let params = try readTensor("the parameters")
        let weightCount = filters * inputChannels * kernel * kernel
        guard params.shape == TensorShape(samples: weightCount + filters, channels: 1, rows: 1, columns: 1) else {
            throw fail("the parameters have shape \(params.shape), expected \(weightCount + filters)×1×1×1")
        }
        let padding = stride == 1 ? kernel / 2 : 0
        try expectInt(filters, "num_filters")
        try expectInt(kernel, "the kernel rows")
        try expectInt(kernel, "the kernel columns")
        try expectInt(stride, "stride_y")
        try expectInt(stride, "stride_x")
        try expectInt(padding, "padding_y")
        try expectInt(padding, "padding_x")
        try expectAliasTensor(TensorShape(samples: filters, channels: inputChannels, rows: kernel, columns: kernel), "the filters alias")
        try expectAliasTensor(TensorShape(samples: 1, channels: filters, rows: 1, columns: 1), "the biases alias")
        for name in ["learning_rate_mult", "weight_decay_mult", "bias_learning_rate_mult", "bias_weight_decay_mult"] {
            _ = try readDouble(name)
        }
        return Convolution(
            filters: filters, inputChannels: inputChannels, kernelRows: kernel, kernelColumns: kernel,
            strideRows: stride, strideColumns: stride, paddingRows: padding, paddingColumns: padding,
            weights: Array(params.values[0..<weightCount]), bias: Array(params.values[weightCount...]))
    }

    /// `bn_con2` (converted at load time to an affine, in float32) or a plain `affine_`.
}
