import FaceDBTestSupport
import XCTest

@testable import FaceDBNeural

/// Every layer of the engine against the direct loops of ``Naive`` on random tensors.
final class LayerTests: XCTestCase {
    struct ConvolutionCase: CustomStringConvertible {
        var samples, channels, rows, columns, filters, kh, kw, sr, sc, pr, pc: Int
        /// Rounding error of a sum grows with the square root of its terms: 1e-4 up to 100 terms per
        /// output, scaled by sqrt(terms / 100) beyond. Winograd adds rounding of its own, most with
        /// F(4×4, 5×5) (5×5, stride 1), whose 8×8 transforms multiply by up to 21/4: over 11 seeds its
        /// largest difference from the naive loops was 1.13× that bound (2×48×24×24, 3.9e-4), so those
        /// cases get 3×. The detector tests bound what this does to confidences (within 6e-6 of dlib).
        var tolerance: Float {
            let direct = 1e-4 * max(1, Float(channels * kh * kw) / 100).squareRoot()
            return kh == 5 && kw == 5 && sr == 1 && sc == 1 ? 3 * direct : direct
        }
        var description: String {
            "\(samples)×\(channels)×\(rows)×\(columns) * \(filters)×\(kh)×\(kw) stride \(sr),\(sc) pad \(pr),\(pc)"
        }
    }

    static let convolutionCases: [ConvolutionCase] = [
        // odd sizes, 3×3 same padding (the ResNet's stride-1 convolutions)
        .init(samples: 2, channels: 3, rows: 7, columns: 9, filters: 5, kh: 3, kw: 3, sr: 1, sc: 1, pr: 1, pc: 1),
        // stride 2 without padding on odd sizes (drops the last row and column)
        .init(samples: 3, channels: 4, rows: 11, columns: 13, filters: 6, kh: 3, kw: 3, sr: 2, sc: 2, pr: 0, pc: 0),
        // the stem's 7×7 stride 2 unpadded on an odd plane
        .init(samples: 1, channels: 3, rows: 21, columns: 17, filters: 4, kh: 7, kw: 7, sr: 2, sc: 2, pr: 0, pc: 0),
        // non-square kernel, unequal strides and paddings
        .init(samples: 2, channels: 2, rows: 6, columns: 10, filters: 3, kh: 2, kw: 5, sr: 3, sc: 1, pr: 1, pc: 4),
        // 1×1 kernel, 1×1 plane
        .init(samples: 4, channels: 7, rows: 1, columns: 1, filters: 9, kh: 1, kw: 1, sr: 1, sc: 1, pr: 0, pc: 0),
        // kernel as large as the padded plane: one output per sample
        .init(samples: 3, channels: 5, rows: 3, columns: 3, filters: 11, kh: 5, kw: 5, sr: 2, sc: 2, pr: 1, pc: 1),
        // 3×3 stride 1 on planes of 8 or more: the Winograd F(2×2, 3×3) path, odd and even sizes
        .init(samples: 2, channels: 3, rows: 11, columns: 9, filters: 5, kh: 3, kw: 3, sr: 1, sc: 1, pr: 1, pc: 1),
        .init(samples: 1, channels: 2, rows: 12, columns: 10, filters: 3, kh: 3, kw: 3, sr: 1, sc: 1, pr: 0, pc: 0),
        .init(samples: 3, channels: 4, rows: 8, columns: 13, filters: 3, kh: 3, kw: 3, sr: 1, sc: 1, pr: 1, pc: 0),
        // Winograd tiled over several chunks spanning samples (16 × 64 channels × 1200 tiles > one budget)
        .init(samples: 3, channels: 64, rows: 40, columns: 40, filters: 4, kh: 3, kw: 3, sr: 1, sc: 1, pr: 1, pc: 1),
        // more than 128 channels: 3×3 stride 1 through im2col
        .init(samples: 2, channels: 130, rows: 9, columns: 8, filters: 3, kh: 3, kw: 3, sr: 1, sc: 1, pr: 1, pc: 1),
        // 5×5 stride 1 on planes of 8 or more: the Winograd F(4×4, 5×5) path, paddings 0, 1, 2,
        // odd and even sizes, last tiles with 1, 2 and 3 outputs, and several chunks spanning samples
        // (3 × 196 tiles; one chunk holds 2^19 / (64 × (16 + 3)) = 431)
        .init(samples: 3, channels: 16, rows: 60, columns: 60, filters: 3, kh: 5, kw: 5, sr: 1, sc: 1, pr: 0, pc: 0),
        .init(samples: 2, channels: 3, rows: 13, columns: 12, filters: 5, kh: 5, kw: 5, sr: 1, sc: 1, pr: 2, pc: 2),
        .init(samples: 1, channels: 4, rows: 12, columns: 15, filters: 3, kh: 5, kw: 5, sr: 1, sc: 1, pr: 1, pc: 2),
        .init(samples: 2, channels: 48, rows: 24, columns: 24, filters: 45, kh: 5, kw: 5, sr: 1, sc: 1, pr: 2, pc: 2),
        // 5×5 stride 2 unpadded with output planes of 8 or more: split into four phases (3×3, F(2×2, 3×3)),
        // odd and even sizes, and 32 channels (128 phase channels, the most the split takes)
        .init(samples: 2, channels: 16, rows: 21, columns: 24, filters: 4, kh: 5, kw: 5, sr: 2, sc: 2, pr: 0, pc: 0),
        .init(samples: 1, channels: 17, rows: 26, columns: 23, filters: 3, kh: 5, kw: 5, sr: 2, sc: 2, pr: 0, pc: 0),
        .init(samples: 1, channels: 32, rows: 40, columns: 37, filters: 6, kh: 5, kw: 5, sr: 2, sc: 2, pr: 0, pc: 0),
        // 5×5 stride 2 with more than 32 or fewer than 16 channels: im2col
        .init(samples: 1, channels: 33, rows: 22, columns: 22, filters: 2, kh: 5, kw: 5, sr: 2, sc: 2, pr: 0, pc: 0),
        .init(samples: 2, channels: 3, rows: 21, columns: 24, filters: 4, kh: 5, kw: 5, sr: 2, sc: 2, pr: 0, pc: 0),
        // 9×9 with one and two filters: the tap-plane path, with padding and without, and over
        // several bands of input rows (2^18 / (81 × 400) = 8 rows per band) spanning samples
        .init(samples: 2, channels: 3, rows: 40, columns: 400, filters: 1, kh: 9, kw: 9, sr: 1, sc: 1, pr: 4, pc: 4),
        .init(samples: 2, channels: 7, rows: 12, columns: 20, filters: 1, kh: 9, kw: 9, sr: 1, sc: 1, pr: 4, pc: 4),
        .init(samples: 1, channels: 3, rows: 10, columns: 11, filters: 2, kh: 9, kw: 9, sr: 1, sc: 1, pr: 0, pc: 2),
    ]

    func testConvolutionMatchesNaiveLoops() {
        var rng = seededGenerator(self)
        for test in Self.convolutionCases {
            let x = rng.tensor(TensorShape(samples: test.samples, channels: test.channels, rows: test.rows, columns: test.columns))
            let weights = rng.floats(test.filters * test.channels * test.kh * test.kw)
            let bias = rng.floats(test.filters)
            let layer = Convolution(
                filters: test.filters, inputChannels: test.channels, kernelRows: test.kh, kernelColumns: test.kw,
                strideRows: test.sr, strideColumns: test.sc, paddingRows: test.pr, paddingColumns: test.pc,
                weights: weights, bias: bias)
            let expected = Naive.convolution(
                x, weights: weights, bias: bias, filters: test.filters, kernelRows: test.kh, kernelColumns: test.kw,
                stride: (test.sr, test.sc), padding: (test.pr, test.pc))
            for workers in [1, 2, 3] {
                assertClose(layer.forward(x, workers: workers), expected, tolerance: test.tolerance, "\(test), \(workers) workers")
            }
        }
    }

    /// F(4×4, 3×3), which only the phase-split layers choose, on 3×3 layers of every edge case: plane
    /// sizes that leave 1, 2 and 3 outputs in the last tile, paddings 0 and 1, with affine and ReLU.
    func testFourByFourWinogradMatchesNaiveLoops() {
        var rng = seededGenerator(self)
        for (rows, columns, padding) in [(10, 10, 0), (11, 23, 1), (13, 12, 1), (20, 37, 0), (25, 18, 1)] {
            let shape = TensorShape(samples: 2, channels: 6, rows: rows, columns: columns)
            let x = rng.tensor(shape)
            let weights = rng.floats(5 * 6 * 9), bias = rng.floats(5)
            let affine = Affine(scale: rng.floats(5), shift: rng.floats(5))
            let layer = Convolution(
                filters: 5, inputChannels: 6, kernelRows: 3, kernelColumns: 3,
                paddingRows: padding, paddingColumns: padding, weights: weights, bias: bias
            )
            .using(.output4Kernel3).fused(with: affine, relu: true)
            let expected = Naive.relu(
                Naive.affine(
                    Naive.convolution(
                        x, weights: weights, bias: bias, filters: 5, kernelRows: 3, kernelColumns: 3,
                        stride: (1, 1), padding: (padding, padding)),
                    scale: affine.scale, shift: affine.shift))
            let out = layer.outputShape(for: shape)!
            XCTAssertTrue(layer.usesWinograd(for: out))
            for workers in [1, 2] {
                assertClose(layer.forward(x, workers: workers), expected, tolerance: 1e-4, "\(shape) pad \(padding), \(workers) workers")
            }
        }
    }

    func testConvolutionWithFusedAffineAndReLUMatchesThreeLayers() {
        var rng = seededGenerator(self)
        for test in Self.convolutionCases {
            let x = rng.tensor(TensorShape(samples: test.samples, channels: test.channels, rows: test.rows, columns: test.columns))
            let weights = rng.floats(test.filters * test.channels * test.kh * test.kw)
            let bias = rng.floats(test.filters)
            let affine = Affine(scale: rng.floats(test.filters), shift: rng.floats(test.filters))
            let plain = Convolution(
                filters: test.filters, inputChannels: test.channels, kernelRows: test.kh, kernelColumns: test.kw,
                strideRows: test.sr, strideColumns: test.sc, paddingRows: test.pr, paddingColumns: test.pc,
                weights: weights, bias: bias)
            let convolved = Naive.convolution(
                x, weights: weights, bias: bias, filters: test.filters, kernelRows: test.kh, kernelColumns: test.kw,
                stride: (test.sr, test.sc), padding: (test.pr, test.pc))
            let affined = Naive.affine(convolved, scale: affine.scale, shift: affine.shift)
            for workers in [1, 2] {
                assertClose(
                    plain.fused(with: affine, relu: false).forward(x, workers: workers), affined,
                    tolerance: test.tolerance, "\(test) + affine")
                let fused = plain.fused(with: affine, relu: true).forward(x, workers: workers)
                assertClose(fused, Naive.relu(affined), tolerance: test.tolerance, "\(test) + affine + relu")
                XCTAssertTrue(fused.values.allSatisfy { $0 >= 0 })
            }
            // The standalone layers agree with the fused pass.
            assertClose(ReLU.forward(affine.forward(plain.forward(x))), Naive.relu(affined), tolerance: test.tolerance, "\(test) separate layers")
        }
    }

    func testEachGeometryTakesItsPath() {
        func layer(_ channels: Int, stride: Int = 1, kernel: Int = 3) -> Convolution {
            Convolution(
                filters: 3, inputChannels: channels, kernelRows: kernel, kernelColumns: kernel,
                strideRows: stride, strideColumns: stride, paddingRows: stride == 1 ? kernel / 2 : 0,
                paddingColumns: stride == 1 ? kernel / 2 : 0,
                weights: [Float](repeating: 0.5, count: 3 * channels * kernel * kernel))
        }
        let big = TensorShape(samples: 1, channels: 2, rows: 35, columns: 35)
        XCTAssertTrue(layer(32).usesWinograd(for: big))
        XCTAssertFalse(layer(32).usesWinograd(for: TensorShape(samples: 1, channels: 2, rows: 4, columns: 4)))
        XCTAssertFalse(layer(256).usesWinograd(for: big))
        XCTAssertFalse(layer(32, stride: 2).usesWinograd(for: big))
        XCTAssertFalse(layer(3, kernel: 7).usesWinograd(for: big))
        XCTAssertEqual(layer(32).winograd, .output2Kernel3)
        XCTAssertEqual(layer(45, kernel: 5).winograd, .output4Kernel5)
        XCTAssertTrue(layer(45, kernel: 5).usesWinograd(for: big))
        XCTAssertNil(layer(45, kernel: 5).phaseSplit)
        XCTAssertFalse(layer(45, kernel: 5).usesTapPlanes)
        // One or two filters at stride 1: the tap-plane path, whatever the kernel.
        let score = Convolution(
            filters: 1, inputChannels: 45, kernelRows: 9, kernelColumns: 9, paddingRows: 4,
            paddingColumns: 4, weights: [Float](repeating: 0.5, count: 45 * 81))
        XCTAssertTrue(score.usesTapPlanes)
        // 5×5 stride 2 unpadded: the phase split, while its 3×3 output planes are 8 or more.
        XCTAssertNotNil(layer(32, stride: 2, kernel: 5).phaseSplit)
        XCTAssertNil(layer(33, stride: 2, kernel: 5).phaseSplit)
        XCTAssertNil(layer(15, stride: 2, kernel: 5).phaseSplit)
        XCTAssertNil(layer(16, stride: 2).phaseSplit)
        let split = layer(16, stride: 2, kernel: 5).phaseSplit!
        XCTAssertTrue(split.applies(to: TensorShape(samples: 1, channels: 16, rows: 21, columns: 21)))
        XCTAssertFalse(split.applies(to: TensorShape(samples: 1, channels: 16, rows: 17, columns: 40)))
    }

    func testAffineAndBatchNormFolding() {
        var rng = seededGenerator(self)
        let x = rng.tensor(TensorShape(samples: 2, channels: 5, rows: 3, columns: 7))
        let affine = Affine(scale: rng.floats(5), shift: rng.floats(5))
        assertClose(affine.forward(x), Naive.affine(x, scale: affine.scale, shift: affine.shift), tolerance: 0, "affine")

        let gamma = rng.floats(5), beta = rng.floats(5), mean = rng.floats(5)
        let variance = (0..<5).map { _ in Float.random(in: 0.1..<2, using: &rng) }
        let folded = Affine(batchNormGamma: gamma, beta: beta, runningMean: mean, runningVariance: variance, epsilon: 0.0001)
        for c in 0..<5 {
            let expectedScale = Double(gamma[c]) / (Double(variance[c]) + 0.0001).squareRoot()
            XCTAssertEqual(Double(folded.scale[c]), expectedScale, accuracy: 1e-6)
            XCTAssertEqual(Double(folded.shift[c]), Double(beta[c]) - expectedScale * Double(mean[c]), accuracy: 1e-6)
        }
    }

    func testReLU() {
        var rng = seededGenerator(self)
        let x = rng.tensor(TensorShape(samples: 3, channels: 2, rows: 5, columns: 3))
        XCTAssertEqual(ReLU.forward(x), Naive.relu(x))
    }

    func testPoolingMatchesNaiveLoops() {
        var rng = seededGenerator(self)
        // (rows, columns, window, stride, padding)
        let cases: [(Int, Int, (Int, Int), (Int, Int), (Int, Int))] = [
            (72, 72, (3, 3), (2, 2), (0, 0)),  // the stem's max pool: 72 → 35
            (35, 35, (2, 2), (2, 2), (0, 0)),  // a shortcut's average pool on an odd plane: 35 → 17
            (9, 7, (3, 2), (2, 3), (1, 1)),  // clipped windows at the padded borders
            (5, 8, (4, 4), (1, 1), (2, 3)),
            (1, 1, (1, 1), (1, 1), (0, 0)),
            (4, 6, (0, 0), (1, 1), (0, 0)),  // whole plane
        ]
        for (rows, columns, window, stride, padding) in cases {
            let x = rng.tensor(TensorShape(samples: 2, channels: 3, rows: rows, columns: columns))
            for isMax in [true, false] {
                let layer = Pooling(
                    isMax ? .max : .average, windowRows: window.0, windowColumns: window.1,
                    strideRows: stride.0, strideColumns: stride.1, paddingRows: padding.0, paddingColumns: padding.1)
                let expected = Naive.pool(x, max: isMax, window: window, stride: stride, padding: padding)
                assertClose(
                    layer.forward(x), expected, tolerance: 1e-6,
                    "\(isMax ? "max" : "avg") pool \(rows)×\(columns) window \(window) stride \(stride) pad \(padding)")
            }
        }
        let x = rng.tensor(TensorShape(samples: 2, channels: 4, rows: 2, columns: 2))
        assertClose(
            Pooling.globalAverage.forward(x), Naive.pool(x, max: false, window: (0, 0), stride: (1, 1), padding: (0, 0)),
            tolerance: 1e-6, "global average")
        XCTAssertEqual(Pooling.globalAverage.forward(x).shape, TensorShape(samples: 2, channels: 4, rows: 1, columns: 1))
    }

    func testZeroExtendingAdd() {
        var rng = seededGenerator(self)
        let pairs: [(TensorShape, TensorShape)] = [
            (.init(samples: 2, channels: 3, rows: 4, columns: 5), .init(samples: 2, channels: 3, rows: 4, columns: 5)),
            // level1 of the ResNet: shortcut 128×4×4 ⊕ block 256×3×3 = 256×4×4 (scaled down)
            (.init(samples: 2, channels: 4, rows: 4, columns: 4), .init(samples: 2, channels: 8, rows: 3, columns: 3)),
            // level0: 256×2×2 ⊕ 256×1×1
            (.init(samples: 1, channels: 5, rows: 2, columns: 2), .init(samples: 1, channels: 5, rows: 1, columns: 1)),
            // every dimension larger in a different operand
            (.init(samples: 3, channels: 2, rows: 5, columns: 1), .init(samples: 3, channels: 3, rows: 2, columns: 4)),
        ]
        for (sa, sb) in pairs {
            let a = rng.tensor(sa), b = rng.tensor(sb)
            let expected = Naive.zeroExtendingAdd(a, b)
            XCTAssertEqual(ResidualAdd.forward(a, b), expected, "\(sa) ⊕ \(sb)")
            XCTAssertEqual(ResidualAdd.forward(b, a), expected, "\(sb) ⊕ \(sa)")
            XCTAssertEqual(ResidualAdd.forward(a, b, relu: true), Naive.relu(expected), "relu(\(sa) ⊕ \(sb))")
        }
        // The level1 case element by element, as spec 5.2 states it.
        let shortcut = rng.tensor(.init(samples: 1, channels: 2, rows: 4, columns: 4))
        let block = rng.tensor(.init(samples: 1, channels: 4, rows: 3, columns: 3))
        let sum = ResidualAdd.forward(shortcut, block)
        for k in 0..<4 {
            for r in 0..<4 {
                for c in 0..<4 {
                    let expected = (k < 2 ? shortcut[0, k, r, c] : 0) + (r < 3 && c < 3 ? block[0, k, r, c] : 0)
                    XCTAssertEqual(sum[0, k, r, c], expected)
                }
            }
        }
    }

    func testInPlaceAddOnTheOutputShapedOperand() {
        var rng = seededGenerator(self)
        let a = rng.tensor(.init(samples: 2, channels: 6, rows: 4, columns: 4))
        let b = rng.tensor(.init(samples: 2, channels: 3, rows: 3, columns: 4))
        var inPlace = a
        inPlace.values.withUnsafeMutableBufferPointer { x in
            b.values.withUnsafeBufferPointer { y in
                ResidualAdd.forward(x.baseAddress!, a.shape, y.baseAddress!, b.shape, output: x.baseAddress!, relu: true)
            }
        }
        XCTAssertEqual(inPlace, Naive.relu(Naive.zeroExtendingAdd(a, b)))
    }

    func testFullyConnected() {
        var rng = seededGenerator(self)
        let x = rng.tensor(.init(samples: 3, channels: 7, rows: 2, columns: 3))
        let weights = rng.floats(42 * 5)
        let bias = rng.floats(5)
        assertClose(
            FullyConnected(inputs: 42, outputs: 5, weights: weights).forward(x),
            Naive.fullyConnected(x, weights: weights, bias: nil, outputs: 5), tolerance: 1e-5, "fc no bias")
        assertClose(
            FullyConnected(inputs: 42, outputs: 5, weights: weights, bias: bias).forward(x),
            Naive.fullyConnected(x, weights: weights, bias: bias, outputs: 5), tolerance: 1e-5, "fc with bias")
    }

    func testComputeBudgetNeverGivesLessThanOneOrMoreThanFree() {
        let budget = ComputeBudget(cores: 2)
        let first = budget.acquire(upTo: 4)
        XCTAssertEqual(first, 2)
        let second = budget.acquire(upTo: 2)
        XCTAssertEqual(second, 1, "a caller always keeps its own thread")
        budget.release(second)
        budget.release(first)
        XCTAssertEqual(budget.acquire(upTo: 1), 1)
        XCTAssertEqual(budget.acquire(upTo: 3), 1)
    }
}
