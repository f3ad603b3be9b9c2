/// A dense float32 tensor in NCHW order (sample, channel, row, column; row-major, column fastest).
///
/// This is the value type of the public layer API and of tests. The embedder's forward pass works
/// on reused raw buffers instead (``Workspace``) so that no layer allocates.
package struct Tensor: Sendable, Equatable {
    /// The dimensions.
    package var shape: TensorShape
    /// `shape.count` values in NCHW order.
    package var values: [Float]

    /// A tensor of zeros.
    package init(shape: TensorShape) {
        self.shape = shape
        self.values = [Float](repeating: 0, count: shape.count)
    }

    /// A tensor over existing values; `values.count` must equal `shape.count`.
    package init(shape: TensorShape, values: [Float]) {
        precondition(values.count == shape.count, "tensor of shape \(shape) needs \(shape.count) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// The element at (sample, channel, row, column).
    package subscript(n: Int, k: Int, r: Int, c: Int) -> Float {
        get { values[((n * shape.channels + k) * shape.rows + r) * shape.columns + c] }
        set { values[((n * shape.channels + k) * shape.rows + r) * shape.columns + c] = newValue }
    }
}
