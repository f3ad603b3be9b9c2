/// The direct path for stride-1 convolutions with one or two filters (the detector's final 9×9
/// layer, 45 channels → 1 score): with so few filters the im2col GEMM is a matrix-vector product
/// that writes and reads `channels × kernel²` floats per output (3,645 for the detector), so it is
/// bound by memory, not arithmetic. Here each output row is summed in place instead: for every
/// (channel, kernel row), eight outputs at a time take all the row's taps in registers, adding into
/// an accumulator row that stays in the L1 cache.
extension Convolution {
    /// Whether `forward` takes the direct path: stride 1 and at most two filters.
    var usesDirect: Bool { filters <= 2 && strideRows == 1 && strideColumns == 1 }

    /// The direct forward pass (same contract as the im2col path); workers take runs of output rows.
    func directForward(
        input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape, output: UnsafeMutablePointer<Float>,
        workers: Int
    ) {
        let totalRows = out.samples * out.rows
        let active = max(1, min(workers, totalRows))
        let perWorker = (totalRows + active - 1) / active
        let x = SharedPointer(input), y = SharedPointer(output)
        parallel(active) { w in
            let first = w * perWorker, last = min(totalRows, first + perWorker)
            guard first < last else { return }
            let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: out.columns)
            defer { accumulator.deallocate() }
            for row in first..<last {
                for f in 0..<self.filters {
                    self.directRow(row, filter: f, input: x.base, shape: shape, out: out, accumulator: accumulator)
                    self.finishRow(row, filter: f, out: out, accumulator: accumulator, output: y.base)
                }
            }
        }
    }

    /// `accumulator[x] = Σ_c Σ_i Σ_j W[f][c][i][j] · in[c][y − p + i][x − p + j]` for output row `row`
    /// (= sample · outRows + y), in that summation order.
    private func directRow(
        _ row: Int, filter f: Int, input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape,
        accumulator: UnsafeMutablePointer<Float>
    ) {
        let n = row / out.rows, y = row % out.rows
        let inRows = shape.rows, inCols = shape.columns, outCols = out.columns
        accumulator.update(repeating: 0, count: outCols)
        weights.withUnsafeBufferPointer { weights in
            for c in 0..<inputChannels {
                let plane = input + (n * inputChannels + c) * inRows * inCols
                for i in 0..<kernelRows {
                    let sy = y - paddingRows + i
                    guard sy >= 0, sy < inRows else { continue }
                    let source = plane + sy * inCols
                    let taps = weights.baseAddress! + ((f * inputChannels + c) * kernelRows + i) * kernelColumns
                    Convolution.accumulateRow(source, inColumns: inCols, taps: taps, kernelColumns: kernelColumns,
                                              padding: paddingColumns, into: accumulator, outColumns: outCols)
                }
            }
        }
    }

    /// Bias, fused affine and ReLU of one accumulated row, written to the output.
    private func finishRow(_ row: Int, filter f: Int, out: TensorShape, accumulator: UnsafePointer<Float>,
                           output: UnsafeMutablePointer<Float>) {
        let n = row / out.rows, y = row % out.rows
        let dst = output + ((n * filters + f) * out.rows + y) * out.columns
        let b = bias[f], g = affine?.scale[f] ?? 1, s = affine?.shift[f] ?? 0
        let hasAffine = affine != nil, relu = appliesReLU
        for x in 0..<out.columns {
            let v = hasAffine ? (accumulator[x] + b) * g + s : accumulator[x] + b
            dst[x] = relu ? max(0, v) : v
        }
    }

    /// `acc[x] += Σ_j taps[j] · source[x − padding + j]` (terms outside the row are zero), in the
    /// order of j; eight columns at a time where every tap is inside the row.
    @inline(__always)
    private static func accumulateRow(
        _ source: UnsafePointer<Float>, inColumns: Int, taps: UnsafePointer<Float>, kernelColumns: Int, padding: Int,
        into acc: UnsafeMutablePointer<Float>, outColumns: Int
    ) {
        // Columns whose taps all fall inside the row: x − padding ≥ 0 and x − padding + kernel ≤ inColumns.
        let interiorFirst = min(outColumns, padding), interiorEnd = max(interiorFirst, min(outColumns, inColumns - kernelColumns + 1 + padding))
        @inline(__always) func edge(_ x: Int) {
            var sum = acc[x]
            for j in 0..<kernelColumns {
                let sx = x - padding + j
                if sx >= 0, sx < inColumns { sum += taps[j] * source[sx] }
            }
            acc[x] = sum
        }
        for x in 0..<interiorFirst { edge(x) }
        var x = interiorFirst
        if kernelColumns == 9 {
            // The detector's score layer: the nine taps stay in registers across the row.
            let w0 = SIMD8(repeating: taps[0]), w1 = SIMD8(repeating: taps[1]), w2 = SIMD8(repeating: taps[2])
            let w3 = SIMD8(repeating: taps[3]), w4 = SIMD8(repeating: taps[4]), w5 = SIMD8(repeating: taps[5])
            let w6 = SIMD8(repeating: taps[6]), w7 = SIMD8(repeating: taps[7]), w8 = SIMD8(repeating: taps[8])
            while x + 8 <= interiorEnd {
                let start = UnsafeRawPointer(source + x - padding)
                @inline(__always) func at(_ j: Int) -> SIMD8<Float> {
                    start.loadUnaligned(fromByteOffset: j * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
                }
                var sum = UnsafeRawPointer(acc + x).loadUnaligned(as: SIMD8<Float>.self)
                sum += w0 * at(0); sum += w1 * at(1); sum += w2 * at(2)
                sum += w3 * at(3); sum += w4 * at(4); sum += w5 * at(5)
                sum += w6 * at(6); sum += w7 * at(7); sum += w8 * at(8)
                UnsafeMutableRawPointer(acc + x).storeBytes(of: sum, as: SIMD8<Float>.self)
                x += 8
            }
        }
        while x + 8 <= interiorEnd {
            var sum = UnsafeRawPointer(acc + x).loadUnaligned(as: SIMD8<Float>.self)
            let start = source + x - padding
            for j in 0..<kernelColumns {
                sum += SIMD8(repeating: taps[j]) * UnsafeRawPointer(start + j).loadUnaligned(as: SIMD8<Float>.self)
            }
            UnsafeMutableRawPointer(acc + x).storeBytes(of: sum, as: SIMD8<Float>.self)
            x += 8
        }
        while x < outColumns { edge(x); x += 1 }
    }
}
