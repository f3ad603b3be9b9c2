import FaceDBNeural

/// The reusable memory of one detection: the tiled-pyramid tensor, the banded layers' band buffers
/// and output, two buffers the later layers alternate between, and the convolutions' scratch.
///
/// A 1 MP photo upsampled once needs about 0.4 GB of these. Allocating them afresh on every call
/// cost a page fault per 4 KiB and the kernel's zeroing of every page (15–24% system time while
/// detecting; BENCHMARKS.md), so ``FaceDetector`` keeps workspaces in a pool, one per concurrent
/// call, up to its ``FaceDetector/retainedMemoryLimit``. Used by one call at a time.
final class DetectorWorkspace: @unchecked Sendable {
    /// The tiled pyramid (the network's input).
    let pyramid = FloatBuffer()
    /// The output of the banded stride-2 layers.
    let stackOutput = FloatBuffer()
    /// The banded layers' band buffers: the input band, then each layer's band output.
    var bands: [FloatBuffer] = []
    /// The later layers' outputs, alternately.
    let ping = FloatBuffer(), pong = FloatBuffer()
    /// The convolutions' working memory.
    let scratch = ConvolutionScratch()

    /// The bytes held by the tensors (not counting the scratch).
    var tensorBytes: Int {
        ([pyramid, stackOutput, ping, pong] + bands).reduce(0) { $0 + $1.capacity } * MemoryLayout<Float>.size
    }

    /// `count` band buffers (allocated on first use).
    func bandBuffers(_ count: Int) -> [FloatBuffer] {
        while bands.count < count { bands.append(FloatBuffer()) }
        return Array(bands.prefix(count))
    }
}
