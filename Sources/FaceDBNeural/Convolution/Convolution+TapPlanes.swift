import CBLAS
import FaceDBCore

/// The tap-plane path for stride-1 convolutions with one or two filters (the detector's final 9×9
/// layer, 45 channels → 1 score). Through im2col such a layer is a matrix-vector product over a
/// `channels × kernel²` patch matrix (3,645 rows for the detector): bound by memory, not arithmetic.
///
/// Instead, one GEMM per band of input rows sums over the channels first, for every tap (i, j) of
/// every filter at once: `P[f,i,j][r][x] = Σ_c W[f][c][i][j] · in[c][r][x]`. Its B matrix is the
/// input itself (a band of rows of every channel plane, one plane apart), so nothing is copied.
/// Each output is then the sum of its kernel's taps read from shifted positions,
/// `out[f][y][x] = Σ_i Σ_j P[f,i,j][y − p + i][x − p + j]` (terms outside the plane are zero),
/// added row by row into the output, which stays in cache.
extension Convolution {
    /// Whether `forward` takes the tap-plane path: stride 1 and at most two filters.
    package var usesTapPlanes: Bool { tapWeights != nil }

    /// The tap planes of one band hold at most this many floats per worker (1 MiB), so that the
    /// shifted sums read them from cache.
    package static let tapPlaneBudget = 1 << 18

    /// The tap-plane forward pass (same contract as the im2col path); workers take runs of output rows.
    package func tapPlaneForward(
        input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape, output: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, workers: Int
    ) {
        let taps = filters * kernelRows * kernelColumns
        let bandRows = max(1, Convolution.tapPlaneBudget / (taps * shape.columns))
        let totalRows = out.samples * out.rows
        let active = max(1, min(workers, totalRows))
        let perWorker = (totalRows + active - 1) / active
        scratch.reserve(workers: active, columnCount: 0, resultCount: taps * bandRows * shape.columns)
        let planes = (0..<active).map { SharedPointer(scratch.resultBuffer($0)) }
        let x = SharedPointer(input), y = SharedPointer(output)
        let tapWeights = tapWeights!
        parallel(active) { w in
            var row = w * perWorker
            let last = min(totalRows, row + perWorker)
            // One sample's share of the worker's rows at a time.
            while row < last {
                let n = row / out.rows, first = row % out.rows
                let end = min(out.rows, first + (last - row))
                self.tapPlaneRows(
                    first..<end, sample: n, input: x.base, shape: shape, out: out, tapWeights: tapWeights,
                    bandRows: bandRows, planes: planes[w].base, output: y.base)
                row += end - first
            }
        }
    }

    /// ``tapWeights`` for a layer of this geometry: nil unless stride 1 and at most two filters.
    package static func tapMatrix(
        _ weights: [Float], filters: Int, inputChannels: Int, kernelRows: Int, kernelColumns: Int,
        strideRows: Int, strideColumns: Int
    ) -> [Float]? {
        guard filters <= 2, strideRows == 1, strideColumns == 1 else { return nil }
        let k = kernelRows * kernelColumns
        var t = [Float](repeating: 0, count: filters * k * inputChannels)
        for f in 0..<filters {
            for c in 0..<inputChannels {
                for tap in 0..<k { t[(f * k + tap) * inputChannels + c] = weights[(f * inputChannels + c) * k + tap] }
            }
        }
        return t
    }

    /// Output rows `rows` of sample `n`: zeroed, then every band of the input rows they read is
    /// multiplied out into tap planes and added in, then bias, fused affine and ReLU.
    private func tapPlaneRows(
        _ rows: Range<Int>, sample n: Int, input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape,
        tapWeights: [Float], bandRows: Int, planes: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let inRows = shape.rows, inCols = shape.columns, outCols = out.columns
        let pr = paddingRows, kh = kernelRows, kw = kernelColumns, taps = filters * kh * kw
        for f in 0..<filters {
            (output + ((n * filters + f) * out.rows + rows.lowerBound) * outCols).update(repeating: 0, count: rows.count * outCols)
        }
        // Input rows read by the output rows: y − p + i for i in 0 ..< kh, inside the plane.
        let inputFirst = max(0, rows.lowerBound - pr), inputEnd = min(inRows, rows.upperBound - 1 - pr + kh)
        var r0 = inputFirst
        while r0 < inputEnd {
            let r1 = min(inputEnd, r0 + bandRows)
            let columns = (r1 - r0) * inCols
            tapWeights.withUnsafeBufferPointer { t in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    Int32(taps), Int32(columns), Int32(inputChannels),
                    1, t.baseAddress!, Int32(inputChannels),
                    input + n * inputChannels * inRows * inCols + r0 * inCols, Int32(inRows * inCols),
                    0, planes, Int32(columns))
            }
            for r in r0..<r1 {
                for i in 0..<kh {
                    let yOut = r + pr - i
                    guard rows.contains(yOut) else { continue }
                    for f in 0..<filters {
                        let source = planes + ((f * kh + i) * kw) * columns + (r - r0) * inCols
                        let destination = output + ((n * filters + f) * out.rows + yOut) * outCols
                        addShiftedTaps(source, planeStride: columns, inColumns: inCols, into: destination, outColumns: outCols)
                    }
                }
            }
            r0 = r1
        }
        for f in 0..<filters {
            let activation = outputActivation(filter: f)
            let start = output + ((n * filters + f) * out.rows + rows.lowerBound) * outCols
            for k in 0..<(rows.count * outCols) { start[k] = activation.apply(start[k]) }
        }
    }

    /// `acc[x] += Σ_j source[j·planeStride + x − p + j]` over the kernel columns j (terms outside the
    /// row are zero); eight outputs at a time where every tap is inside the row.
    @inline(__always)
    private func addShiftedTaps(
        _ source: UnsafePointer<Float>, planeStride: Int, inColumns: Int,
        into acc: UnsafeMutablePointer<Float>, outColumns: Int
    ) {
        let pc = paddingColumns, kw = kernelColumns
        // Outputs whose taps all fall inside the row: x − p ≥ 0 and x − p + kw ≤ inColumns.
        let interiorFirst = min(outColumns, pc), interiorEnd = max(interiorFirst, min(outColumns, inColumns - kw + 1 + pc))
        @inline(__always) func edge(_ x: Int) {
            var sum = acc[x]
            for j in 0..<kw {
                let sx = x - pc + j
                if sx >= 0, sx < inColumns { sum += source[j * planeStride + sx] }
            }
            acc[x] = sum
        }
        for x in 0..<interiorFirst { edge(x) }
        var x = interiorFirst
        while x + 8 <= interiorEnd {
            var sum = UnsafeRawPointer(acc + x).loadUnaligned(as: SIMD8<Float>.self)
            var tap = source + x - pc
            for _ in 0..<kw {
                sum += UnsafeRawPointer(tap).loadUnaligned(as: SIMD8<Float>.self)
                tap += planeStride + 1
            }
            UnsafeMutableRawPointer(acc + x).storeBytes(of: sum, as: SIMD8<Float>.self)
            x += 8
        }
        while x < outColumns { edge(x); x += 1 }
    }
}
