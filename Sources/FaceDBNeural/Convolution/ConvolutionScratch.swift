/// Reusable working memory of convolutions: per worker, a column (im2col) buffer and a GEMM result
/// buffer. Buffers only grow, so a warmed-up forward pass allocates nothing.
///
/// One scratch must not be used by two forward passes at the same time (the embedder keeps one per
/// ``Workspace`` and hands workspaces out one per call).
package final class ConvolutionScratch: @unchecked Sendable {
    /// The most floats a worker's column buffer holds; larger convolutions are tiled over output rows.
    /// 1 Mi floats = 4 MiB per worker.
    package static let columnBudget = 1 << 20

    private var columns: [FloatBuffer] = []
    private var results: [FloatBuffer] = []

    /// Makes an empty scratch; buffers are allocated on first use.
    package init() {}

    /// Makes sure `workers` workers each have `columnCount` column floats and `resultCount` result floats.
    package func reserve(workers: Int, columnCount: Int, resultCount: Int) {
        while columns.count < workers {
            columns.append(FloatBuffer())
            results.append(FloatBuffer())
        }
        for w in 0..<workers {
            columns[w].reserve(columnCount)
            results[w].reserve(resultCount)
        }
    }

    private let phases = FloatBuffer()

    /// A buffer of at least `count` floats for a layer's rearranged input (``PhaseSplitConvolution``);
    /// call before starting workers.
    package func phaseBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        phases.reserve(count)
        return phases.pointer
    }

    private let zeros = FloatBuffer()
    private var zeroCount = 0

    /// Makes sure ``zeroBuffer`` holds at least `count` zeros (call before starting workers).
    package func reserveZeros(_ count: Int) {
        guard count > zeroCount else { return }
        zeros.reserve(count)
        zeros.pointer.update(repeating: 0, count: zeros.capacity)
        zeroCount = zeros.capacity
    }

    /// A row of zeros, as long as asked for with ``reserveZeros(_:)``; workers only read it.
    package var zeroBuffer: UnsafeMutablePointer<Float> { zeros.pointer }

    /// Worker `w`'s column buffer (after ``reserve(workers:columnCount:resultCount:)``).
    package func columnBuffer(_ w: Int) -> UnsafeMutablePointer<Float> { columns[w].pointer }
    /// Worker `w`'s result buffer (after ``reserve(workers:columnCount:resultCount:)``).
    package func resultBuffer(_ w: Int) -> UnsafeMutablePointer<Float> { results[w].pointer }
}
