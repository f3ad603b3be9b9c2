import FaceDBCore
import FaceDBNeural
import Foundation
import Synchronization

/// dlib's CNN face detector (`cnn_face_detection_model_v1` with `mmod_human_face_detector.dat`),
/// reimplemented on FaceDB's CNN engine with the same boxes as dlib (specification 4).
///
/// Two entry points:
/// * ``detect(in:upsample:)`` is dlib's call: `upsample` doublings with `pyramid_up`, then the tiled
///   pyramid, the network, decoding and non-maximum suppression; boxes are mapped back to the photo.
/// * ``detect(in:minimumFaceSize:)`` decides the scaling itself from the smallest face you care about.
///
/// The network looks at 80×80 windows over a 5/6-step image pyramid, so at the photo's own scale it
/// finds faces from about 80 pixels up. Each doubling halves that limit (40 px at one upsampling)
/// but costs about 4× the time and memory. Halving a very large photo (when the minimum face size
/// allows it) saves the same factor, at the price of boxes that are coarser than dlib's at full
/// resolution (they are mapped back with `pyramid_down<2>`'s point mapping).
///
/// Memory: the network runs on a tiled pyramid about 3.7× the image's area (12 bytes per tensor
/// pixel); the three stride-2 layers run in row bands, so besides that tensor only their final
/// output (2 bytes per tensor pixel) and one band exist — about 50 bytes per image pixel, 0.2 GB for
/// a 1137×910 photo upsampled once. Calls whose estimate
/// (``estimatedPeakBytes(width:height:upsample:)``) exceeds ``memoryLimit`` are refused by
/// ``detect(in:upsample:)`` and scaled down by ``detect(in:minimumFaceSize:)``. The tensors are kept
/// between calls (one set per concurrent call, up to ``retainedMemoryLimit`` each) because fresh
/// memory costs a page fault per 4 KiB; ``releaseWorkspaces()`` frees them.
///
/// Thread-safe; each call takes its own workspace and uses the shared ``ComputeBudget`` for its
/// convolution workers.
public final class FaceDetector: Sendable {
    /// The parsed network.
    package let model: MMODModel
    private let budget: ComputeBudget
    /// The most memory one detection may use for its tensors, in bytes (default 2 GiB).
    public let memoryLimit: Int

    /// The default ``memoryLimit``: 2 GiB.
    public static let defaultMemoryLimit = 2 << 30

    /// The most tensor memory one call's workspace may hold and still be kept for the next call
    /// (default 1 GiB: a 1 MP photo upsampled once keeps about 0.4 GB); larger ones are freed.
    /// ``releaseWorkspaces()`` frees what is kept.
    public let retainedMemoryLimit: Int
    private let workspaces = Mutex<[DetectorWorkspace]>([])

    /// The face size in pixels the network's window is trained for (80 for this model).
    public var windowSize: Int { model.windowHeight }

    /// Wraps a parsed model.
    package init(
        model: MMODModel, memoryLimit: Int = FaceDetector.defaultMemoryLimit, retainedMemoryLimit: Int = 1 << 30,
        budget: ComputeBudget = .shared
    ) {
        self.model = model
        self.memoryLimit = memoryLimit
        self.retainedMemoryLimit = retainedMemoryLimit
        self.budget = budget
    }

    /// Reads the model at `path`.
    public convenience init(contentsOf path: String, memoryLimit: Int = FaceDetector.defaultMemoryLimit) throws {
        self.init(model: try MMODReader.read(contentsOf: path), memoryLimit: memoryLimit)
    }

    /// Reads `mmod_human_face_detector.dat` from the models directory.
    public convenience init(modelDirectory: ModelDirectory = ModelDirectory(), memoryLimit: Int = FaceDetector.defaultMemoryLimit) throws {
        try self.init(contentsOf: try modelDirectory.path(of: .faceDetector), memoryLimit: memoryLimit)
    }

    /// The peak tensor memory of detecting on a `width × height` image upsampled `upsample` times:
    /// the largest input + output pair of the network's layers, in bytes.
    public func estimatedPeakBytes(width: Int, height: Int, upsample: Int) -> Int {
        var w = width, h = height
        for _ in 0..<upsample { (w, h) = (2 * w + 2, 2 * h + 1) }
        guard w > 0, h > 0 else { return 0 }
        let layout = TiledPyramid(width: w, height: h)
        var shape = TensorShape(samples: 1, channels: 3, rows: layout.rows, columns: layout.columns)
        let stack = leadingStack
        var peak = shape.count
        if !stack.layers.isEmpty, let out = stack.outputShape(for: shape) {
            peak = shape.count + out.count + stack.bandFloats(for: shape)
            shape = out
        }
        for layer in model.layers.dropFirst(stack.layers.count) {
            guard let out = layer.outputShape(for: shape) else { break }
            peak = max(peak, shape.count + out.count)
            shape = out
        }
        return peak * MemoryLayout<Float>.size
    }

    // MARK: dlib-compatible

    /// dlib's `cnn_face_detection_model_v1(img, upsample_num_times)`: the faces of `image`, sorted by
    /// confidence (highest first), boxes in `image`'s pixels.
    ///
    /// - Parameter upsample: how many times the image is doubled (`pyramid_up`) first; each doubling
    ///   finds faces half as small and costs about 4× the time and memory. 0…4.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for a negative or excessive `upsample`.
    public func detect(in image: RGBImage, upsample: Int) throws -> [FaceDetection] {
        guard (0...4).contains(upsample) else {
            throw FaceDBError(
                .invalidArgument, "upsample must be between 0 and 4, not \(upsample).",
                remedy: "Use 0 or 1 (each step costs 4× the time), or detect(in:minimumFaceSize:).")
        }
        let needed = estimatedPeakBytes(width: image.width, height: image.height, upsample: upsample)
        guard needed <= memoryLimit else {
            throw FaceDBError(
                .imageTooLarge,
                "Detecting faces in a \(image.width)×\(image.height) image upsampled \(upsample) times needs about \(needed >> 20) MiB, more than the detector's limit of \(memoryLimit >> 20) MiB.",
                remedy: "Use fewer upsamplings, detect(in:minimumFaceSize:) (which scales large photos down), or a larger memoryLimit.")
        }
        var scaled = image
        for _ in 0..<upsample { scaled = budget.withWorkers(upTo: budget.cores) { ImagePyramid.up(scaled, workers: $0) } }
        return detectAtScale(scaled).map { detection in
            var r = DoubleRectangle(
                left: Double(detection.rectangle.left), top: Double(detection.rectangle.top),
                right: Double(detection.rectangle.right), bottom: Double(detection.rectangle.bottom))
            for _ in 0..<upsample { r = r.pointDown }
            return FaceDetection(rectangle: r.rounded, confidence: detection.confidence)
        }
    }

    // MARK: User-facing

    /// The faces of `image` at least `minimumFaceSize` pixels wide, with the scaling chosen for you.
    ///
    /// * Faces smaller than the network's window (80 px) need upsampling: the image is doubled
    ///   `ceil(log2(80 / minimumFaceSize))` times (one doubling for the default of 40, as
    ///   face_recognition does), so the results equal ``detect(in:upsample:)`` with that count.
    /// * When `minimumFaceSize` is at least twice the window and the photo is large (over
    ///   ``largePhotoPixels`` pixels), the photo is halved with `pyramid_down<2>` as long as both
    ///   still hold: 4× less time and memory per halving; faces are still found, but boxes are no
    ///   longer exactly dlib's full-resolution ones (mapped back, they can differ by a few pixels).
    /// * Memory comes first: upsamplings that would exceed ``memoryLimit`` are dropped (faces
    ///   smaller than the window may then be missed in that photo) and a photo too large even
    ///   without upsampling is halved until it fits.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when `minimumFaceSize` < 10 (would need more
    ///   than 3 doublings).
    public func detect(in image: RGBImage, minimumFaceSize: Int = 40) throws -> [FaceDetection] {
        let plan = try scalingPlan(width: image.width, height: image.height, minimumFaceSize: minimumFaceSize)
        if plan.upsample > 0 || plan.downsample == 0 {
            return try detect(in: image, upsample: plan.upsample)
        }
        var scaled = image
        for _ in 0..<plan.downsample {
            guard let smaller = ImagePyramid.down(scaled) else { break }
            scaled = smaller
        }
        return detectAtScale(scaled).map { detection in
            var r = DoubleRectangle(
                left: Double(detection.rectangle.left), top: Double(detection.rectangle.top),
                right: Double(detection.rectangle.right), bottom: Double(detection.rectangle.bottom))
            for _ in 0..<plan.downsample {
                let a = ImagePyramid.pointUp(x: r.left, y: r.top), b = ImagePyramid.pointUp(x: r.right, y: r.bottom)
                r = DoubleRectangle(left: a.x, top: a.y, right: b.x, bottom: b.y)
            }
            return FaceDetection(rectangle: r.rounded, confidence: detection.confidence)
        }
    }

    /// Photos above this many pixels may be halved by ``detect(in:minimumFaceSize:)`` (4 megapixels).
    public static let largePhotoPixels = 4_000_000

    /// The doublings or halvings ``detect(in:minimumFaceSize:)`` applies to a `width × height` photo.
    public func scalingPlan(width: Int, height: Int, minimumFaceSize: Int) throws -> (upsample: Int, downsample: Int) {
        guard minimumFaceSize >= 10 else {
            throw FaceDBError(
                .invalidArgument, "The minimum face size must be at least 10 pixels, not \(minimumFaceSize).",
                remedy: "Faces smaller than 10 pixels cannot be recognised; use 20 or more.")
        }
        var upsample = 0
        while (windowSize >> upsample) > minimumFaceSize { upsample += 1 }
        while upsample > 0, estimatedPeakBytes(width: width, height: height, upsample: upsample) > memoryLimit { upsample -= 1 }
        if upsample > 0 { return (upsample, 0) }
        var downsample = 0
        var w = width, h = height
        func halve() { (w, h) = ((w - 3) / 2, (h - 3) / 2); downsample += 1 }
        while minimumFaceSize >= windowSize << (downsample + 1), w * h > FaceDetector.largePhotoPixels, w > 8, h > 8 { halve() }
        while estimatedPeakBytes(width: w, height: h, upsample: 0) > memoryLimit, w > 8, h > 8 { halve() }
        return (0, downsample)
    }

    // MARK: The network at one scale

    /// Detections on `image` as is (no up/down-sampling), NMS applied, sorted by confidence.
    func detectAtScale(_ image: RGBImage) -> [FaceDetection] {
        guard image.width > 0, image.height > 0 else { return [] }
        let layout = TiledPyramid(width: image.width, height: image.height)
        let scores = forward(image, layout: layout)
        return decode(scores: scores.values, rows: scores.rows, columns: scores.columns, layout: layout)
    }

    /// The score map of the network on the tiled pyramid of `image`; `elapsed`, if given, receives
    /// the time of each stage (pyramid, then each layer), in seconds.
    func forward(_ image: RGBImage, layout: TiledPyramid, elapsed: ((String, Double) -> Void)? = nil)
        -> (values: [Float], rows: Int, columns: Int)
    {
        var shape = TensorShape(samples: 1, channels: 3, rows: layout.rows, columns: layout.columns)
        let workspace = workspaces.withLock { $0.popLast() } ?? DetectorWorkspace()
        defer {
            if workspace.tensorBytes <= retainedMemoryLimit { workspaces.withLock { $0.append(workspace) } }
        }
        let stack = leadingStack
        func describe(_ layer: Convolution, _ input: TensorShape) -> String {
            "conv \(layer.kernelRows)×\(layer.kernelColumns)/\(layer.strideRows) \(layer.inputChannels)→\(layer.filters) on \(input.rows)×\(input.columns)"
        }
        func timed(_ name: @autoclosure () -> String, _ body: () -> Void) {
            guard let elapsed else { return body() }
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            elapsed(name(), Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return budget.withWorkers(upTo: budget.cores) { workers in
            var current = workspace.pyramid
            current.reserve(shape.count)
            timed("tiled pyramid \(layout.rows)×\(layout.columns)") {
                layout.fill(image, means: model.means, into: current.pointer, workers: workers)
            }
            // The unpadded stride-2 layers run in row bands (their full outputs are never held).
            if !stack.layers.isEmpty {
                guard let out = stack.outputShape(for: shape) else { return ([], 0, 0) }
                let next = workspace.stackOutput
                next.reserve(out.count)
                // Timings name each banded layer by its input shape (only worked out when timing).
                let bandedElapsed = elapsed.map { report in
                    var inputs = [shape]
                    for layer in stack.layers.dropLast() { inputs.append(layer.outputShape(for: inputs.last!)!) }
                    return { (i: Int, seconds: Double) in report(describe(stack.layers[i], inputs[i]) + " (bands)", seconds) }
                }
                stack.forward(
                    input: current.pointer, shape: shape, output: next.pointer, scratch: workspace.scratch,
                    workers: workers, bands: workspace.bandBuffers(stack.layers.count + 1), elapsed: bandedElapsed)
                current = next
                shape = out
            }
            // The later layers alternate between two buffers.
            for layer in model.layers.dropFirst(stack.layers.count) {
                guard let out = layer.outputShape(for: shape) else { return ([], 0, 0) }
                let next = current === workspace.ping ? workspace.pong : workspace.ping
                next.reserve(out.count)
                timed(describe(layer, shape)) {
                    layer.forward(input: current.pointer, shape: shape, output: next.pointer, scratch: workspace.scratch, workers: workers)
                }
                current = next
                shape = out
            }
            return (Array(UnsafeBufferPointer(start: current.pointer, count: shape.count)), shape.rows, shape.columns)
        }
    }

    /// Releases the memory kept for reuse between calls (it is allocated again on the next call).
    public func releaseWorkspaces() {
        workspaces.withLock { $0.removeAll() }
    }

    /// How long each stage of ``detect(in:upsample:)`` takes on `image`, in order (upsampling, the
    /// tiled pyramid, each layer, decoding), in seconds: for benchmarks and profiling.
    package func stageTimes(in image: RGBImage, upsample: Int) -> [(stage: String, seconds: Double)] {
        var times: [(stage: String, seconds: Double)] = []
        var start = DispatchTime.now().uptimeNanoseconds
        var scaled = image
        for _ in 0..<upsample { scaled = budget.withWorkers(upTo: budget.cores) { ImagePyramid.up(scaled, workers: $0) } }
        times.append(("upsample ×\(upsample)", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        let layout = TiledPyramid(width: scaled.width, height: scaled.height)
        let scores = forward(scaled, layout: layout) { times.append(($0, $1)) }
        start = DispatchTime.now().uptimeNanoseconds
        _ = decode(scores: scores.values, rows: scores.rows, columns: scores.columns, layout: layout)
        times.append(("decode + NMS", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        return times
    }

    /// The leading unpadded layers, run in bands.
    var leadingStack: BandedConvolutionStack {
        BandedConvolutionStack(layers: Array(model.layers.prefix { $0.paddingRows == 0 && $0.paddingColumns == 0 }))
    }

    /// `loss_mmod_::to_label` with adjust_threshold 0: cells scoring > 0 become window-sized boxes,
    /// mapped from the tiled pyramid to the image, sorted by score, then greedy NMS.
    func decode(scores: [Float], rows: Int, columns: Int, layout: TiledPyramid) -> [FaceDetection] {
        var candidates: [(score: Float, box: DoubleRectangle)] = []
        let stride = model.cellStride, offset = model.cellOffset
        for r in 0..<rows {
            for c in 0..<columns {
                let score = scores[r * columns + c]
                guard score > 0 else { continue }
                let box = DoubleRectangle.centred(
                    x: Double(stride * c + offset), y: Double(stride * r + offset),
                    width: Double(model.windowWidth), height: Double(model.windowHeight))
                candidates.append((score, layout.toImage(box)))
            }
        }
        candidates.sort { $0.score > $1.score }
        var accepted: [FaceDetection] = []
        for candidate in candidates {
            let rect = candidate.box.rounded
            if accepted.contains(where: { overlaps(rect, $0.rectangle) }) { continue }
            accepted.append(FaceDetection(rectangle: rect, confidence: Double(candidate.score)))
        }
        return accepted
    }

    /// dlib's `test_box_overlap`: the intersection over the *bounding box* of both rectangles above the
    /// IoU threshold, or over either rectangle's area above the covered threshold.
    func overlaps(_ a: DlibRectangle, _ b: DlibRectangle) -> Bool {
        let inner = Double(a.intersection(b).area)
        if inner == 0 { return false }
        let outer = Double(a.union(b).area)
        return inner / outer > model.nmsIoU || inner / Double(a.area) > model.nmsCovered || inner / Double(b.area) > model.nmsCovered
    }
}
