extension FaceEmbedder {
    /// One forward pass over a batch of chips (all 150×150): NCHW throughout, three activation buffers
    /// used in rotation, affine and ReLU fused into the convolutions.
    ///
    /// Buffer roles: `a` stem output / second-convolution output Y / descriptors;
    /// `b` the unit input X and output; `c` first-convolution output T / shortcut pool / head pool.
    func forward(_ chips: ArraySlice<RGBImage>, workspace ws: Workspace) -> [[Float]] {
        let samples = chips.count
        ws.reserve(for: model, samples: samples)
        let inputShape = model.inputShape(samples: samples)
        fillInput(chips, into: ws.input.pointer)

        let stemShape = model.stem.outputShape(for: inputShape)!
        withWorkers { model.stem.forward(input: ws.input.pointer, shape: inputShape, output: ws.a.pointer, scratch: ws.scratch, workers: $0) }
        var x = model.stemPool.outputShape(for: stemShape)!
        model.stemPool.forward(input: ws.a.pointer, shape: stemShape, output: ws.b.pointer)

        for unit in model.units {
            let t = unit.first.outputShape(for: x)!
            withWorkers { unit.first.forward(input: ws.b.pointer, shape: x, output: ws.c.pointer, scratch: ws.scratch, workers: $0) }
            let y = unit.second.outputShape(for: t)!
            withWorkers { unit.second.forward(input: ws.c.pointer, shape: t, output: ws.a.pointer, scratch: ws.scratch, workers: $0) }
            if let pool = unit.shortcutPool {
                // T is consumed: the pooled shortcut goes to c, the zero-extended sum to b.
                let z = pool.outputShape(for: x)!
                pool.forward(input: ws.b.pointer, shape: x, output: ws.c.pointer)
                ResidualAdd.forward(ws.c.pointer, z, ws.a.pointer, y, output: ws.b.pointer, relu: true)
                x = ResidualAdd.outputShape(z, y)
            } else {
                ResidualAdd.forward(ws.b.pointer, x, ws.a.pointer, y, output: ws.b.pointer, relu: true)
            }
        }
        model.headPool.forward(input: ws.b.pointer, shape: x, output: ws.c.pointer)
        model.fullyConnected.forward(input: ws.c.pointer, samples: samples, output: ws.a.pointer)

        let length = model.descriptorLength
        return (0..<samples).map { n in Array(UnsafeBufferPointer(start: ws.a.pointer + n * length, count: length)) }
    }

    /// dlib's `input_rgb_image_sized`: planes R, G, B, value `(pixel − mean) / 256` in float32.
    private func fillInput(_ chips: ArraySlice<RGBImage>, into input: UnsafeMutablePointer<Float>) {
        let plane = model.inputRows * model.inputColumns
        let means = model.inputMeans
        for (n, chip) in chips.enumerated() {
            chip.pixels.withUnsafeBufferPointer { pixels in
                for channel in 0..<3 {
                    let mean = means[channel]
                    let dst = input + (n * 3 + channel) * plane
                    for i in 0..<plane { dst[i] = (Float(pixels[3 * i + channel]) - mean) / 256 }
                }
            }
        }
    }
}
