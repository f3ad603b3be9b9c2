/// One residual unit of the dlib ResNet (specification 5.2).
///
/// * `ares(N)`: `relu(block(X) + X)`;
/// * `ares_down(N)`: `relu(avg_pool 2×2/2 (X) ⊕ block(X))` with the zero-extending ``ResidualAdd``,
///
/// where `block = con 3×3 (stride s) → affine → relu → con 3×3 (stride 1) → affine`, with the affines
/// and the inner ReLU fused into the convolutions.
package struct ResidualUnit: Sendable {
    /// The first convolution, with its affine and ReLU fused.
    package let first: Convolution
    /// The second convolution, with its affine fused (the ReLU comes after the sum).
    package let second: Convolution
    /// The shortcut's average pooling of a down-sampling unit; nil for an identity shortcut.
    package let shortcutPool: Pooling?

    /// Makes a unit.
    package init(first: Convolution, second: Convolution, shortcutPool: Pooling?) {
        self.first = first
        self.second = second
        self.shortcutPool = shortcutPool
    }

    /// Whether this is a down-sampling unit (`ares_down`).
    package var isDownsampling: Bool { shortcutPool != nil }

    /// The output shape for `input`, or nil when a layer cannot take it.
    package func outputShape(for input: TensorShape) -> TensorShape? {
        guard let a = first.outputShape(for: input), let b = second.outputShape(for: a) else { return nil }
        if let shortcutPool {
            guard let s = shortcutPool.outputShape(for: input) else { return nil }
            return ResidualAdd.outputShape(s, b)
        }
        return b == input ? b : nil
    }
}
