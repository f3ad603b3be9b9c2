import FaceDBCore
import Foundation

/// Reads `dlib_face_recognition_resnet_model_v1.dat` literally as specified (sections 1–2 and 5.2):
/// the loss wrapper, the run of wrapper versions from the output side, the input layer, then every
/// layer's details and training state from the input side.
///
/// The architecture is hard-coded (dlib files do not store tag ids or skip targets). The reader checks
/// every version number, every layer tag, every shape and parameter count, and that the file ends
/// exactly after the last layer; anything else is a ``FaceDBError/Code/modelCorrupt`` error that names
/// the file, the byte offset and what was expected there.
package enum DlibResNetReader {
    /// The filters of the residual units from the input side, `true` for a down-sampling unit.
    package static let unitPlan: [(filters: Int, down: Bool)] =
        [
            (32, false), (32, false), (32, false),
            (64, true), (64, false), (64, false), (64, false),
            (128, true), (128, false), (128, false),
            (256, true), (256, false), (256, false),
            (256, true),
        ]

    /// One wrapper of the network type, in the file's version-run order (output side first).
    package enum Wrapper: Equatable {
        case fullyConnected
        case globalAveragePool
        case relu
        case addPrev
        case affine
        case convolution(filters: Int, kernel: Int, stride: Int)
        case tag
        case skip
        case averagePool
        case maxPool
        /// The stem convolution, the wrapper sitting directly on the input layer.
        case inputConvolution

        var isComputational: Bool { self != .tag && self != .skip }
    }

    /// The wrapper list of the ResNet type, output side first (specification 5.2).
    package static let wrappers: [Wrapper] = {
        var list: [Wrapper] = [.fullyConnected, .globalAveragePool]
        for (filters, down) in unitPlan.reversed() {
            if down {
                list += [
                    .relu, .addPrev, .averagePool, .skip, .tag, .affine,
                    .convolution(filters: filters, kernel: 3, stride: 1), .relu, .affine,
                    .convolution(filters: filters, kernel: 3, stride: 2), .tag,
                ]
            } else {
                list += [
                    .relu, .addPrev, .affine, .convolution(filters: filters, kernel: 3, stride: 1),
                    .relu, .affine, .convolution(filters: filters, kernel: 3, stride: 1), .tag,
                ]
            }
        }
        list += [.maxPool, .relu, .affine, .inputConvolution]
        return list
    }()

    /// Reads the model from `path`.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing`` if there is no file, ``FaceDBError/Code/io`` if it
    ///   cannot be read, ``FaceDBError/Code/modelCorrupt`` if it is not this model.
    package static func read(contentsOf path: String) throws -> ResNetModel {
        try DlibDecoder.readModel(at: path, file: .faceEmbedder, format: "the dlib ResNet format", parse)
    }

    /// Reads the model from the bytes of a file; `path` is only used in error messages.
    ///
    /// - Throws: ``FaceDBError/Code/modelCorrupt`` naming the offset and what was expected.
    package static func read(bytes: [UInt8], path: String) throws -> ResNetModel {
        try DlibDecoder.parseModel(bytes, path: path, file: .faceEmbedder, format: "the dlib ResNet format", parse)
    }

    /// The parsed layers, in input → output order.
    private enum Layer {
        case convolution(Convolution)
        case affine(Affine)
        case maxPool(Pooling)
        case averagePool(Pooling)
        case other
    }

    private static func parse(_ d: inout DlibDecoder) throws -> ResNetModel {
        // 1. The loss wrapper: version, loss details.
        d.context = "the loss layer"
        try d.expectInt(1, "the loss wrapper's version")
        let lossTag = try d.expectTag(["loss_metric_2", "loss_metric_"], "the loss layer")
        var margin: Float = 0.1, threshold: Float = 0.75
        if lossTag == "loss_metric_2" {
            margin = try d.readFloat("the margin")
            threshold = try d.readFloat("the distance threshold")
        }

        // 2. The version run, output side first.
        var versions: [Int] = []
        for (i, wrapper) in wrappers.enumerated() {
            d.context = "the version of wrapper \(i + 1) of \(wrappers.count) (\(wrapper))"
            switch wrapper {
            case .tag, .skip: versions.append(try d.readInt("the version", in: 1...1))
            case .inputConvolution: versions.append(try d.readInt("the version", in: 2...3))
            default: versions.append(try d.readInt("the version", in: 1...2))
            }
        }

        // 3. The input layer.
        d.context = "the input layer"
        try d.expectTag(["input_rgb_image_sized"], "the input layer")
        let means = [try d.readFloat("avg_red"), try d.readFloat("avg_green"), try d.readFloat("avg_blue")]
        let rows = try d.readInt("the input rows", in: 150...150)
        let columns = try d.readInt("the input columns", in: 150...150)

        // 4. Layers from the input side, each with its wrapper's trailing training state.
        var layers: [Layer] = []
        var channels = 3
        var convolutionIndex = 0
        for i in stride(from: wrappers.count - 1, through: 0, by: -1) {
            let wrapper = wrappers[i], version = versions[i]
            guard wrapper.isComputational else { continue }
            d.context = "layer \(wrappers.count - i) (\(wrapper))"
            switch wrapper {
            case .inputConvolution:
                convolutionIndex += 1
                d.context = "convolution \(convolutionIndex) (the stem)"
                layers.append(.convolution(try d.readConvolution(inputChannels: channels, filters: 32, kernel: 7, stride: 2)))
                channels = 32
            case .convolution(let filters, let kernel, let stride):
                convolutionIndex += 1
                d.context = "convolution \(convolutionIndex)"
                layers.append(.convolution(try d.readConvolution(inputChannels: channels, filters: filters, kernel: kernel, stride: stride)))
                channels = filters
            case .affine:
                layers.append(.affine(try readAffine(&d, channels: channels)))
            case .relu:
                try d.expectTag(["relu_"], "a relu layer")
                layers.append(.other)
            case .addPrev:
                try d.expectTag(["add_prev_"], "an add_prev layer")
                layers.append(.other)
            case .maxPool:
                layers.append(.maxPool(try readPooling(&d, tag: "max_pool_2", window: 3, stride: 2)))
            case .averagePool:
                layers.append(.averagePool(try readPooling(&d, tag: "avg_pool_2", window: 2, stride: 2)))
            case .globalAveragePool:
                layers.append(.averagePool(try readPooling(&d, tag: "avg_pool_2", window: 0, stride: 1)))
            case .fullyConnected:
                layers.append(.convolution(try readFullyConnectedAsWeights(&d, inputs: channels, outputs: 128)))
            case .tag, .skip:
                break
            }
            // Training state: three bools, then gradients and cached outputs (read and discarded).
            try d.readBool("this_layer_setup_called")
            try d.readBool("gradient_input_is_stale")
            try d.readBool("get_output_and_gradient_input_disabled")
            try d.skipTensor("x_grad")
            try d.skipTensor("cached_output")
            if wrapper == .inputConvolution {
                try d.skipTensor("grad_final")
                if version == 3 { try d.expectInt(1, "sample_expansion_factor") }
            } else if version == 2 {
                try d.skipTensor("params_grad")
            }
        }
        d.context = ""
        guard d.isAtEnd else {
            throw d.fail("\(d.remaining) unexpected bytes follow the last layer (the file must end there)")
        }
        return try assemble(layers, means: means, rows: rows, columns: columns, margin: margin, threshold: threshold)
    }

    private static func readAffine(_ d: inout DlibDecoder, channels: Int) throws -> Affine {
        let tag = try d.expectTag(["affine_", "affine_2"], "an affine layer")
        let params = try d.readTensor("the parameters")
        guard params.shape == TensorShape(samples: 2 * channels, channels: 1, rows: 1, columns: 1) else {
            throw d.fail("the parameters have shape \(params.shape), expected \(2 * channels)×1×1×1")
        }
        try d.expectAliasTensor(TensorShape(samples: 1, channels: channels, rows: 1, columns: 1), "the gamma alias")
        try d.expectAliasTensor(TensorShape(samples: 1, channels: channels, rows: 1, columns: 1), "the beta alias")
        try d.expectInt(0, "the mode (0 = per channel)")
        if tag == "affine_2" {
            let start = d.offset
            guard try !d.readBool("disabled") else { throw d.fail("a disabled affine layer is not supported", at: start) }
        }
        return Affine(scale: Array(params.values[0..<channels]), shift: Array(params.values[channels...]))
    }

    private static func readPooling(_ d: inout DlibDecoder, tag: String, window: Int, stride: Int) throws -> Pooling {
        try d.expectTag([tag], "a pooling layer")
        try d.expectInt(window, "the window rows")
        try d.expectInt(window, "the window columns")
        try d.expectInt(stride, "stride_y")
        try d.expectInt(stride, "stride_x")
        try d.expectInt(0, "padding_y")
        try d.expectInt(0, "padding_x")
        return Pooling(
            tag == "max_pool_2" ? .max : .average, windowRows: window, windowColumns: window,
            strideRows: stride, strideColumns: stride)
    }

    /// The `fc_2` layer without bias; returned as a 1×1 "convolution" holder of its weights so the
    /// layer list stays uniform (converted back in ``assemble``).
    private static func readFullyConnectedAsWeights(_ d: inout DlibDecoder, inputs: Int, outputs: Int) throws -> Convolution {
        try d.expectTag(["fc_2"], "the fully connected layer")
        try d.expectInt(outputs, "num_outputs")
        try d.expectInt(inputs, "num_inputs")
        let params = try d.readTensor("the parameters")
        guard params.shape == TensorShape(samples: inputs, channels: outputs, rows: 1, columns: 1) else {
            throw d.fail("the parameters have shape \(params.shape), expected \(inputs)×\(outputs)×1×1 (no bias)")
        }
        try d.expectAliasTensor(TensorShape(samples: inputs, channels: outputs, rows: 1, columns: 1), "the weights alias")
        try d.expectAliasTensor(TensorShape(samples: 0, channels: 0, rows: 0, columns: 0), "the biases alias (none)")
        try d.expectInt(1, "bias_mode (1 = no bias)")
        for name in ["learning_rate_mult", "weight_decay_mult", "bias_learning_rate_mult", "bias_weight_decay_mult"] {
            _ = try d.readDouble(name)
        }
        return Convolution(filters: outputs, inputChannels: inputs, kernelRows: 1, kernelColumns: 1, weights: params.values)
    }

    /// Groups the flat layer list into stem, units and head (the order is guaranteed by the wrapper list).
    private static func assemble(
        _ layers: [Layer], means: [Float], rows: Int, columns: Int, margin: Float, threshold: Float
    ) throws -> ResNetModel {
        var iterator = layers.makeIterator()
        func convolution() -> Convolution {
            guard case .convolution(let c) = iterator.next() else { preconditionFailure("layer order") }
            return c
        }
        func affine() -> Affine {
            guard case .affine(let a) = iterator.next() else { preconditionFailure("layer order") }
            return a
        }
        func pooling() -> Pooling {
            switch iterator.next() {
            case .maxPool(let p)?, .averagePool(let p)?: return p
            default: preconditionFailure("layer order")
            }
        }
        func skip() { _ = iterator.next() }

        let stemConvolution = convolution()
        let stem = stemConvolution.fused(with: affine(), relu: true)
        skip()  // relu
        let stemPool = pooling()
        var units: [ResidualUnit] = []
        for (_, down) in unitPlan {
            let c1 = convolution(), a1 = affine()
            skip()  // relu
            let c2 = convolution(), a2 = affine()
            let pool: Pooling? = down ? pooling() : nil
            skip(); skip()  // add_prev, relu
            units.append(ResidualUnit(first: c1.fused(with: a1, relu: true), second: c2.fused(with: a2, relu: false), shortcutPool: pool))
        }
        let headPool = pooling()
        let fc = convolution()
        precondition(iterator.next() == nil, "layer order")
        return ResNetModel(
            inputMeans: means, inputRows: rows, inputColumns: columns, stem: stem, stemPool: stemPool,
            units: units, headPool: headPool,
            fullyConnected: FullyConnected(inputs: fc.inputChannels, outputs: fc.filters, weights: fc.weights),
            lossMargin: margin, distanceThreshold: threshold)
    }
}
