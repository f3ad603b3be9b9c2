import FaceDBCore
import FaceDBNeural
import Foundation

/// Reads `mmod_human_face_detector.dat` literally as specified (sections 1–2, 4.1): the loss layer
/// with its `mmod_options`, the run of 19 wrapper versions (output side first), the input layer,
/// then every layer's details and training state from the input side. The architecture is
/// hard-coded, every tag, shape and count is checked and the file must end after the last layer;
/// anything else is ``FaceDBError/Code/modelCorrupt`` naming the byte offset.
package enum MMODReader {
    /// The convolutions from the input side: filters, kernel, stride (padding: k/2 at stride 1, else 0).
    static let plan: [(filters: Int, kernel: Int, stride: Int)] =
        [(16, 5, 2), (32, 5, 2), (32, 5, 2), (45, 5, 1), (45, 5, 1), (45, 5, 1), (1, 9, 1)]

    /// Reads the model at `path`.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing``, ``FaceDBError/Code/io`` or ``FaceDBError/Code/modelCorrupt``.
    package static func read(contentsOf path: String) throws -> MMODModel {
        try DlibDecoder.readModel(at: path, file: .faceDetector, format: "the dlib MMOD detector format", parse)
    }

    /// Reads the model from the bytes of a file; `path` names it in errors.
    package static func read(bytes: [UInt8], path: String) throws -> MMODModel {
        try DlibDecoder.parseModel(bytes, path: path, file: .faceDetector, format: "the dlib MMOD detector format", parse)
    }

    private static func parse(_ d: inout DlibDecoder) throws(DlibDecoder.Failure) -> MMODModel {
        d.context = "the loss layer"
        try d.expectInt(1, "the loss wrapper's version")
        try d.expectTag(["loss_mmod_"], "the loss layer")
        let optionsVersion = try d.readInt("the mmod_options version", in: 1...4)
        var windows: [(Int, Int)] = []
        if optionsVersion == 1 {
            windows.append((try d.readInt("the window width", in: 1...4096), try d.readInt("the window height", in: 1...4096)))
        } else {
            let count = try d.readInt("the number of detector windows", in: 1...64)
            for _ in 0..<count {
                let v = try d.readInt("a window's version", in: 1...2)
                windows.append((try d.readInt("the window width", in: 1...4096), try d.readInt("the window height", in: 1...4096)))
                if v == 2 { _ = try d.readString("a window's label") }
            }
        }
        guard windows.count == 1 else { throw d.fail("\(windows.count) detector windows (this reader supports one)") }
        _ = try d.readDouble("loss_per_false_alarm")
        _ = try d.readDouble("loss_per_missed_target")
        _ = try d.readDouble("truth_match_iou_threshold")
        let nmsIoU = try d.readDouble("overlaps_nms.iou_thresh")
        let nmsCovered = try d.readDouble("overlaps_nms.percent_covered_thresh")
        _ = try d.readDouble("overlaps_ignore.iou_thresh")
        _ = try d.readDouble("overlaps_ignore.percent_covered_thresh")
        if optionsVersion >= 3 {
            let start = d.offset
            guard try d.readByte("assume_image_pyramid") == 1 else { throw d.fail("assume_image_pyramid must be 1", at: start) }
        }
        if optionsVersion >= 4 {
            let start = d.offset
            guard try !d.readBool("use_bounding_box_regression") else {
                throw d.fail("bounding box regression is not supported", at: start)
            }
            _ = try d.readDouble("bbr_lambda")
        }

        // The version run: 18 add_layer wrappers (v1/v2), then the convolution on the input (v2/v3).
        d.context = "the wrapper versions"
        var versions: [Int] = []
        for _ in 0..<18 { versions.append(try d.readInt("a wrapper version", in: 1...2)) }
        let inputVersion = try d.readInt("the input convolution's version", in: 2...3)

        d.context = "the input layer"
        let inputTag = try d.expectTag(["input_rgb_image_pyramid", "input_rgb_image_pyramid2"], "the input layer")
        let means = [try d.readFloat("avg_red"), try d.readFloat("avg_green"), try d.readFloat("avg_blue")]
        var padding = 10, outerPadding = 11
        if inputTag == "input_rgb_image_pyramid2" {
            // The tiled pyramid implements dlib's default layout only.
            padding = try d.readInt("pyramid_padding (only 10 is supported)", in: 10...10)
            outerPadding = try d.readInt("pyramid_outer_padding (only 11 is supported)", in: 11...11)
        }

        // Layers from the input side: conv, then (affine, relu, conv) × 6; versions[17] is the
        // first wrapper above the input convolution.
        var layers: [Convolution] = []
        var channels = 3
        var wrapperIndex = 17
        for (i, step) in plan.enumerated() {
            d.context = "convolution \(i + 1)"
            var conv = try d.readConvolution(inputChannels: channels, filters: step.filters, kernel: step.kernel, stride: step.stride)
            if i == 0 {
                try trailingState(&d, onInput: true, version: inputVersion)
            } else {
                try trailingState(&d, onInput: false, version: versions[wrapperIndex])
                wrapperIndex -= 1
            }
            channels = step.filters
            if i < plan.count - 1 {
                d.context = "the batch norm after convolution \(i + 1)"
                let affine = try readBatchNorm(&d, channels: channels)
                try trailingState(&d, onInput: false, version: versions[wrapperIndex])
                wrapperIndex -= 1
                d.context = "the relu after convolution \(i + 1)"
                try d.expectTag(["relu_"], "a relu layer")
                try trailingState(&d, onInput: false, version: versions[wrapperIndex])
                wrapperIndex -= 1
                conv = conv.fused(with: affine, relu: true)
            }
            layers.append(conv)
        }
        d.context = ""
        guard d.isAtEnd else { throw d.fail("\(d.remaining) unexpected bytes follow the last layer (the file must end there)") }
        return MMODModel(
            layers: layers, means: means, windowWidth: windows[0].0, windowHeight: windows[0].1,
            nmsIoU: nmsIoU, nmsCovered: nmsCovered, pyramidPadding: padding, pyramidOuterPadding: outerPadding)
    }

    private static func trailingState(_ d: inout DlibDecoder, onInput: Bool, version: Int) throws(DlibDecoder.Failure) {
        try d.readBool("this_layer_setup_called")
        try d.readBool("gradient_input_is_stale")
        try d.readBool("get_output_and_gradient_input_disabled")
        try d.skipTensor("x_grad")
        try d.skipTensor("cached_output")
        if onInput {
            try d.skipTensor("grad_final")
            if version == 3 { _ = try d.readInt("sample_expansion_factor", in: 1...1) }
        } else if version == 2 {
            try d.skipTensor("params_grad")
        }
    }

    private static func readBatchNorm(_ d: inout DlibDecoder, channels k: Int) throws(DlibDecoder.Failure) -> Affine {
        let tag = try d.expectTag(["bn_con2", "affine_"], "a batch norm layer")
        let params = try d.readTensor("the parameters")
        guard params.shape == TensorShape(samples: 2 * k, channels: 1, rows: 1, columns: 1) else {
            throw d.fail("the parameters have shape \(params.shape), expected \(2 * k)×1×1×1")
        }
        try d.expectAliasTensor(TensorShape(samples: 1, channels: k, rows: 1, columns: 1), "the gamma alias")
        try d.expectAliasTensor(TensorShape(samples: 1, channels: k, rows: 1, columns: 1), "the beta alias")
        let gamma = Array(params.values[0..<k]), beta = Array(params.values[k...])
        if tag == "affine_" {
            try d.expectInt(0, "the mode (0 = per channel)")
            return Affine(scale: gamma, shift: beta)
        }
        try d.skipTensor("means")
        try d.skipTensor("invstds")
        let runningMeans = try d.readTensor("running_means")
        let runningVariances = try d.readTensor("running_variances")
        guard runningMeans.values.count == k, runningVariances.values.count == k else {
            throw d.fail("the running statistics have \(runningMeans.values.count) and \(runningVariances.values.count) values, expected \(k)")
        }
        _ = try d.readInt("num_updates", in: 0...Int.max)
        _ = try d.readInt("running_stats_window_size", in: 0...Int.max)
        for name in ["learning_rate_mult", "weight_decay_mult", "bias_learning_rate_mult", "bias_weight_decay_mult"] {
            _ = try d.readDouble(name)
        }
        let eps = try d.readDouble("eps")
        return Affine(
            batchNormGamma: gamma, beta: beta, runningMean: runningMeans.values,
            runningVariance: runningVariances.values, epsilon: Float(eps))
    }
}
