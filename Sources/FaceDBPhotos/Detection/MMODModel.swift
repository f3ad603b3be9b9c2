import FaceDBNeural

/// The parsed CNN face detector `mmod_human_face_detector.dat` (specification 4.1): seven
/// convolutions (three 5×5 stride-2 "downsamplers", three 5×5 stride-1 and one 9×9 scoring layer),
/// each of the first six followed by a batch-norm folded to an affine and a ReLU, plus the input
/// means and the MMOD options that inference uses.
package struct MMODModel: Sendable {
    /// The convolutions in input → output order, with their affine and ReLU fused in
    /// (the last one has neither: it outputs the scores).
    let layers: [Convolution]
    /// Channel means subtracted from R, G, B before dividing by 256.
    let means: [Float]
    /// The detector window (columns × rows), 80 × 80.
    let windowWidth: Int
    let windowHeight: Int
    /// NMS: IoU threshold and percent-covered threshold of `test_box_overlap`.
    let nmsIoU: Double
    let nmsCovered: Double
    /// Pyramid padding and outer padding (10, 11 for the `input_rgb_image_pyramid` tag).
    let pyramidPadding: Int
    let pyramidOuterPadding: Int

    /// Output cell (c, r) ↦ input tensor point (stride·c + offset, stride·r + offset): 8c + 14 here.
    var cellStride: Int { layers.reduce(1) { $0 * $1.strideRows } }
    var cellOffset: Int {
        // Each layer maps q to q·s − p + k/2, composed from the output side.
        var offset = 0, scale = 1
        for layer in layers {
            offset += scale * (layer.kernelRows / 2 - layer.paddingRows)
            scale *= layer.strideRows
        }
        return offset
    }
}
