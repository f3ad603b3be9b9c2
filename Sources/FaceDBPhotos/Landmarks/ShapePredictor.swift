import FaceDBCore
import FaceDBNeural
import Foundation

/// dlib's `shape_predictor`: a cascade of regression-tree forests that places face landmarks inside
/// a face rectangle (specification 6), read from `shape_predictor_5_face_landmarks.dat` by
/// `ShapePredictorReader`. Results are identical to dlib's (integer pixels).
///
/// ```swift
/// let predictor = try ShapePredictor(contentsOf: try ModelDirectory().path(of: .landmarks5))
/// let landmarks = predictor.predict(in: image, rectangle: face.rectangle)
/// ```
public struct ShapePredictor: Sendable {
    /// One regression tree: a complete binary tree stored breadth-first.
    struct Tree: Sendable {
        /// Per split node: the two feature indices and the threshold.
        var index1: [Int32]
        var index2: [Int32]
        var threshold: [Float]
        /// Per leaf: a shape increment (2 × landmarks floats), concatenated.
        var leaves: [Float]
    }

    /// One cascade: its feature pixels (anchor landmark + offset) and its trees.
    struct Cascade: Sendable {
        var anchors: [Int]
        var deltaX: [Float]
        var deltaY: [Float]
        var trees: [Tree]
    }

    /// The mean shape in box-normalised coordinates, (x0, y0, x1, y1, …).
    let initialShape: [Float]
    let cascades: [Cascade]

    /// The number of landmarks the model places.
    public var landmarkCount: Int { initialShape.count / 2 }

    /// Reads the model file at `path` (see `ShapePredictorReader`).
    public init(contentsOf path: String) throws {
        self = try ShapePredictorReader.read(contentsOf: path)
    }

    init(initialShape: [Float], cascades: [Cascade]) {
        self.initialShape = initialShape
        self.cascades = cascades
    }

    /// The landmarks of the face in `rectangle` of `image` (dlib's `operator()(img, rect)`).
    ///
    /// Feature pixels are the integer intensity (R + G + B)/3 (truncating), 0 outside the image.
    public func predict(in image: RGBImage, rectangle: DlibRectangle) -> FaceLandmarks {
        let n = landmarkCount
        let l = Double(rectangle.left), t = Double(rectangle.top)
        let sx = Double(rectangle.right - rectangle.left), sy = Double(rectangle.bottom - rectangle.top)
        var current = initialShape
        let initialPoints = (0..<n).map { (x: Double(initialShape[2 * $0]), y: Double(initialShape[2 * $0 + 1])) }
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { px in
            for cascade in cascades {
                let fit = SimilarityTransform(
                    from: initialPoints, to: (0..<n).map { (x: Double(current[2 * $0]), y: Double(current[2 * $0 + 1])) })
                let a00 = Float(fit.a), a01 = Float(-fit.b), a10 = Float(fit.b), a11 = Float(fit.a)
                var features = [Float](repeating: 0, count: cascade.anchors.count)
                for j in cascade.anchors.indices {
                    let anchor = cascade.anchors[j], dx = cascade.deltaX[j], dy = cascade.deltaY[j]
                    let p0 = a00 * dx, p1 = a01 * dy, p2 = a10 * dx, p3 = a11 * dy
                    let s0 = p0 + p1, s1 = p2 + p3
                    let qx = s0 + current[2 * anchor], qy = s1 + current[2 * anchor + 1]
                    let x = Int((sx * Double(qx) + l + 0.5).rounded(.down))
                    let y = Int((sy * Double(qy) + t + 0.5).rounded(.down))
                    if x >= 0, y >= 0, x < w, y < h {
                        let i = (y * w + x) * 3
                        features[j] = Float((Int(px[i]) + Int(px[i + 1]) + Int(px[i + 2])) / 3)
                    }
                }
                for tree in cascade.trees {
                    var i = 0
                    let splits = tree.threshold.count
                    while i < splits {
                        i = features[Int(tree.index1[i])] - features[Int(tree.index2[i])] > tree.threshold[i] ? 2 * i + 1 : 2 * i + 2
                    }
                    let leaf = (i - splits) * 2 * n
                    for k in 0..<(2 * n) { current[k] += tree.leaves[leaf + k] }
                }
            }
        }
        return FaceLandmarks(
            points: (0..<n).map { i in
                FaceLandmarks.Point(
                    x: Int((sx * Double(current[2 * i]) + l + 0.5).rounded(.down)),
                    y: Int((sy * Double(current[2 * i + 1]) + t + 0.5).rounded(.down)))
            })
    }
}
