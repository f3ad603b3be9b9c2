/// The reusable memory of one forward pass of the embedder: the input tensor, three activation
/// buffers and the convolutions' scratch. Used by one call at a time; the embedder keeps a pool.
package final class Workspace: @unchecked Sendable {
    package let input = FloatBuffer()
    package let a = FloatBuffer()
    package let b = FloatBuffer()
    package let c = FloatBuffer()
    package let scratch = ConvolutionScratch()

    /// Grows the buffers for a batch of `samples` through `model` (largest activation of each role).
    package func reserve(for model: ResNetModel, samples: Int) {
        let shapes = model.shapeWalk(samples: samples)
        input.reserve(shapes[0].count)
        // a: stem output, second-convolution outputs, descriptors; b: unit inputs/outputs;
        // c: first-convolution outputs, shortcut pools, head pool.
        var maxA = max(shapes[1].count, shapes.last!.count), maxB = shapes[2].count, maxC = 0
        var x = shapes[2]
        for unit in model.units {
            let t = unit.first.outputShape(for: x)!, y = unit.second.outputShape(for: t)!
            maxC = max(maxC, t.count)
            maxA = max(maxA, y.count)
            if let pool = unit.shortcutPool { maxC = max(maxC, pool.outputShape(for: x)!.count) }
            x = unit.outputShape(for: x)!
            maxB = max(maxB, x.count)
        }
        maxC = max(maxC, model.headPool.outputShape(for: x)!.count)
        a.reserve(maxA)
        b.reserve(maxB)
        c.reserve(maxC)
    }
}
