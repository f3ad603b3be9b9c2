import CBLAS
import FaceDBCore

extension Convolution {
    /// Runs the layer from `input` (NCHW, `shape`) into `output` (NCHW, ``outputShape(for:)``), using
    /// up to `workers` threads (the caller's plus pool threads).
    ///
    /// The output rows of all samples, `samples × outRows`, are cut into tiles; each tile is one
    /// im2col matrix (`patchSize × tileRows·outColumns`) and one `cblas_sgemm` with the filter matrix
    /// (`filters × patchSize`), then an output pass adds the bias, applies the fused affine and ReLU
    /// and scatters into NCHW. With enough columns, workers take whole tiles; for small late layers
    /// (few columns) there is one tile and workers split the filters instead.
    package func forward(
        input: UnsafePointer<Float>, shape: TensorShape, output: UnsafeMutablePointer<Float>,
        scratch: ConvolutionScratch, workers requestedWorkers: Int
    ) {
        guard let out = outputShape(for: shape) else {
            preconditionFailure("convolution cannot take input \(shape)")
        }
        let totalRows = out.samples * out.rows
        guard totalRows > 0, out.columns > 0 else { return }
        let workers = max(1, requestedWorkers)
        if let split = phaseSplit, split.applies(to: shape) {
            split.forward(input: input, shape: shape, output: output, scratch: scratch, workers: workers)
            return
        }
        if usesTapPlanes {
            tapPlaneForward(input: input, shape: shape, out: out, output: output, scratch: scratch, workers: workers)
            return
        }
        if usesWinograd(for: out) {
            winogradForward(input: input, shape: shape, out: out, output: output, scratch: scratch, workers: workers)
            return
        }
        let patch = patchSize
        let budgetRows = max(1, ConvolutionScratch.columnBudget / (patch * out.columns))
        let totalColumns = totalRows * out.columns

        // Few columns: one tile (when it fits) and split the filters among the workers.
        let splitFilters = workers > 1 && totalColumns < 256 * workers && totalRows <= budgetRows
        let tileRows = splitFilters ? totalRows : min(budgetRows, (totalRows + workers - 1) / workers)
        let tiles = (totalRows + tileRows - 1) / tileRows
        let tileColumns = tileRows * out.columns
        let activeWorkers = splitFilters ? min(workers, filters) : min(workers, tiles)
        scratch.reserve(
            workers: splitFilters ? 1 : activeWorkers, columnCount: patch * tileColumns,
            resultCount: filters * tileColumns)

        let x = SharedPointer(input), y = SharedPointer(output)
        if splitFilters {
            let columns = scratch.columnBuffer(0), result = scratch.resultBuffer(0)
            im2col(input: input, shape: shape, out: out, firstRow: 0, rowCount: totalRows, columns: columns)
            let cols = SharedPointer(columns), res = SharedPointer(result)
            let perWorker = (filters + activeWorkers - 1) / activeWorkers
            parallel(activeWorkers) { w in
                let f0 = w * perWorker, f1 = min(self.filters, f0 + perWorker)
                guard f0 < f1 else { return }
                self.multiply(columns: cols.base, columnCount: totalColumns, filterRange: f0..<f1, result: res.base)
                self.store(
                    result: res.base, columnCount: totalColumns, filterRange: f0..<f1,
                    out: out, firstRow: 0, rowCount: totalRows, output: y.base)
            }
        } else {
            let buffers = (0..<activeWorkers).map {
                (SharedPointer(scratch.columnBuffer($0)), SharedPointer(scratch.resultBuffer($0)))
            }
            parallel(activeWorkers) { w in
                var tile = w
                while tile < tiles {
                    let first = tile * tileRows, count = min(tileRows, totalRows - first)
                    let columnCount = count * out.columns
                    let (cols, res) = buffers[w]
                    self.im2col(input: x.base, shape: shape, out: out, firstRow: first, rowCount: count, columns: cols.base)
                    self.multiply(columns: cols.base, columnCount: columnCount, filterRange: 0..<self.filters, result: res.base)
                    self.store(
                        result: res.base, columnCount: columnCount, filterRange: 0..<self.filters,
                        out: out, firstRow: first, rowCount: count, output: y.base)
                    tile += activeWorkers
                }
            }
        }
    }

    /// Writes the patch matrix of output rows `firstRow ..< firstRow + rowCount` (global row g = sample·outRows + row):
    /// matrix row `(c·kh + i)·kw + j`, column `(g − firstRow)·outColumns + x` holds
    /// `in[c][row·s − p + i][x·s − p + j]`, or 0 outside the plane.
    package func im2col(
        input: UnsafePointer<Float>, shape: TensorShape, out: TensorShape,
        firstRow: Int, rowCount: Int, columns: UnsafeMutablePointer<Float>
    ) {
        let ld = rowCount * out.columns
        let inRows = shape.rows, inCols = shape.columns, outRows = out.rows, outCols = out.columns
        let sr = strideRows, sc = strideColumns, pr = paddingRows, pc = paddingColumns
        let firstSample = firstRow / outRows, firstOutRow = firstRow % outRows
        let sampleStride = inputChannels * inRows * inCols
        for c in 0..<inputChannels {
            for i in 0..<kernelRows {
                for j in 0..<kernelColumns {
                    // Output columns x whose input column x·sc − pc + j lies inside [0, inCols).
                    let xFirst = j >= pc ? 0 : (pc - j + sc - 1) / sc
                    let xEnd = min(outCols, inCols - 1 + pc - j >= 0 ? (inCols - 1 + pc - j) / sc + 1 : 0)
                    let inside = xEnd - xFirst
                    var dst = columns + ((c * kernelRows + i) * kernelColumns + j) * ld
                    var plane = input + firstSample * sampleStride + c * inRows * inCols + (xFirst * sc - pc + j)
                    var r = firstOutRow
                    for _ in 0..<rowCount {
                        let sy = r * sr - pr + i
                        if sy >= 0, sy < inRows, inside > 0 {
                            for x in 0..<xFirst { dst[x] = 0 }
                            let src = plane + sy * inCols
                            let d = dst + xFirst
                            if sc == 1 {
                                for x in 0..<inside { d[x] = src[x] }
                            } else if sc == 2 {
                                for x in 0..<inside { d[x] = src[2 &* x] }
                            } else {
                                for x in 0..<inside { d[x] = src[sc &* x] }
                            }
                            for x in xEnd..<outCols { dst[x] = 0 }
                        } else {
                            for x in 0..<outCols { dst[x] = 0 }
                        }
                        dst += outCols
                        r += 1
                        if r == outRows {
                            r = 0
                            plane += sampleStride
                        }
                    }
                }
            }
        }
    }

    /// `result[f][col] = Σ_k W[f][k] · columns[k][col]` for `f` in `filterRange` (`cblas_sgemm`, row-major).
    package func multiply(columns: UnsafePointer<Float>, columnCount: Int, filterRange: Range<Int>, result: UnsafeMutablePointer<Float>) {
        let patch = patchSize
        weights.withUnsafeBufferPointer { w in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans,
                Int32(filterRange.count), Int32(columnCount), Int32(patch),
                1, w.baseAddress! + filterRange.lowerBound * patch, Int32(patch),
                columns, Int32(columnCount),
                0, result + filterRange.lowerBound * columnCount, Int32(columnCount))
        }
    }

    /// The output pass: bias, fused affine, ReLU, and the scatter from GEMM layout to NCHW.
    @inline(never)
    package func store(
        result: UnsafePointer<Float>, columnCount: Int, filterRange: Range<Int>,
        out: TensorShape, firstRow: Int, rowCount: Int, output: UnsafeMutablePointer<Float>
    ) {
        let outCols = out.columns, outRows = out.rows, relu = appliesReLU
        bias.withUnsafeBufferPointer { bias in
            let scale = affine?.scale ?? [], shift = affine?.shift ?? []
            let hasAffine = affine != nil
            scale.withUnsafeBufferPointer { scale in
                shift.withUnsafeBufferPointer { shift in
                    for f in filterRange {
                        let b = bias[f]
                        let g = hasAffine ? scale[f] : 1, s = hasAffine ? shift[f] : 0
                        var src = result + f * columnCount
                        for row in firstRow..<(firstRow + rowCount) {
                            let n = row / outRows, r = row - n * outRows
                            let dst = output + ((n * filters + f) * outRows + r) * outCols
                            if hasAffine {
                                if relu {
                                    for x in 0..<outCols { dst[x] = max(0, (src[x] + b) * g + s) }
                                } else {
                                    for x in 0..<outCols { dst[x] = (src[x] + b) * g + s }
                                }
                            } else if relu {
                                for x in 0..<outCols { dst[x] = max(0, src[x] + b) }
                            } else {
                                for x in 0..<outCols { dst[x] = src[x] + b }
                            }
                            src += outCols
                        }
                    }
                }
            }
        }
    }
}

/// Runs `body(0..<workers)` on `workers` threads: the caller's and helpers of ``WorkerPool``.
///
/// Never inlined: inlined (with ``WorkerPool/run(_:_:)``, which calls `body(0)` itself), the
/// optimizer copied the body of Winograd's per-worker closure into `winogradForward` and, over its
/// size budget there, left 478 calls to the stdlib's SIMD `loadUnaligned`/`storeBytes` un-inlined:
/// face detection took 1.12× as long (issue 18's before/after benchmark, BENCHMARKS.md).
@inline(never)
package func parallel(_ workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
    WorkerPool.shared.run(workers, body)
}
