/// The parameters of dlib's face-recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`),
/// as the engine runs them (specification 5.2):
///
/// stem `con 7×7/2 → affine → relu → max_pool 3×3/2`, 14 `ResidualUnit`s (level4: 3× ares32;
/// level3: ares_down64 + 3× ares64; level2: ares_down128 + 2× ares128; level1: ares_down256 +
/// 2× ares256; level0: ares_down256), head `avg_pool_everything → fc_no_bias 128`.
///
/// Read one with `DlibResNetReader`.
public struct ResNetModel: Sendable {
    /// The per-channel means subtracted from the input pixels (R, G, B) before dividing by 256.
    public let inputMeans: [Float]
    /// Input rows (150).
    public let inputRows: Int
    /// Input columns (150).
    public let inputColumns: Int
    /// The stem convolution with its affine and ReLU fused.
    package let stem: Convolution
    /// The stem's max pooling.
    package let stemPool: Pooling
    /// The residual units, input side first.
    package let units: [ResidualUnit]
    /// The global average pooling of the head.
    package let headPool: Pooling
    /// The final fully connected layer (no bias, 128 outputs).
    package let fullyConnected: FullyConnected
    /// `loss_metric`'s margin (training only; kept for inspection).
    public let lossMargin: Float
    /// `loss_metric`'s distance threshold (0.6; training-time value, also face_recognition's tolerance).
    public let distanceThreshold: Float

    /// Makes a model from its parts.
    package init(
        inputMeans: [Float], inputRows: Int, inputColumns: Int, stem: Convolution, stemPool: Pooling,
        units: [ResidualUnit], headPool: Pooling, fullyConnected: FullyConnected,
        lossMargin: Float, distanceThreshold: Float
    ) {
        precondition(inputMeans.count == 3, "one mean per colour channel")
        self.inputMeans = inputMeans
        self.inputRows = inputRows
        self.inputColumns = inputColumns
        self.stem = stem
        self.stemPool = stemPool
        self.units = units
        self.headPool = headPool
        self.fullyConnected = fullyConnected
        self.lossMargin = lossMargin
        self.distanceThreshold = distanceThreshold
    }

    /// The number of floats in a descriptor (128).
    public var descriptorLength: Int { fullyConnected.outputs }

    /// The input shape of a batch of `samples` chips.
    package func inputShape(samples: Int) -> TensorShape {
        TensorShape(samples: samples, channels: 3, rows: inputRows, columns: inputColumns)
    }

    /// The activation shapes of one forward pass, in order: the input, the stem convolution, the stem
    /// pooling, each residual unit, the head pooling and the output (spec 5.2's shape walk).
    package func shapeWalk(samples: Int = 1) -> [TensorShape] {
        var shapes = [inputShape(samples: samples)]
        func add(_ shape: TensorShape?) {
            guard let shape else { preconditionFailure("the model's layers do not chain at \(shapes.last!)") }
            shapes.append(shape)
        }
        add(stem.outputShape(for: shapes.last!))
        add(stemPool.outputShape(for: shapes.last!))
        for unit in units { add(unit.outputShape(for: shapes.last!)) }
        add(headPool.outputShape(for: shapes.last!))
        add(fullyConnected.outputShape(for: shapes.last!))
        return shapes
    }
}
