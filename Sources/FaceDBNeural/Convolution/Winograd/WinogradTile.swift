/// The Winograd minimal-filtering algorithms of the engine (Lavin & Gray, 2016): F(m×m, r×r)
/// computes an `m × m` block of a stride-1 convolution's outputs from an `n × n` input tile
/// (n = m + r − 1), with `n²` element-wise products per (filter, channel) instead of `m²·r²`.
///
/// | algorithm | kernel | tile n | products per output | direct | used for |
/// |---|---|---|---|---|---|
/// | F(2×2, 3×3) | 3×3 | 4 | 4 | 9 | 3×3 layers (the ResNet) |
/// | F(4×4, 3×3) | 3×3 | 6 | 2.25 | 9 | the detector's phase-split stride-2 layers |
/// | F(4×4, 5×5) | 5×5 | 8 | 4 | 25 | the detector's 5×5 stride-1 layers |
///
/// All use the interpolation points 0, ±1, ±2 (from n = 6), ±½ (n = 8) and ∞, so the input and
/// output transforms only add, subtract and multiply by small binary fractions; the other fractions
/// live in the filter transform, computed once per layer in double precision. Larger tiles save more
/// multiplications but round more: the n = 6 and n = 8 algorithms are kept to the detector, whose
/// confidences the golden tests hold to dlib's (within 6e-6 with F(4×4, 5×5)), while the ResNet's
/// descriptors stay on F(2×2, 3×3) within a few 1e-7 of dlib's.
package enum WinogradTile: Sendable {
    /// F(2×2, 3×3): `Convolution+Winograd.swift`.
    case output2Kernel3
    /// F(4×4, 3×3): `Convolution+Winograd6.swift` (input), `Convolution+Winograd43.swift` (output).
    case output4Kernel3
    /// F(4×4, 5×5): `Convolution+Winograd8.swift`.
    case output4Kernel5

    /// The output block size m.
    package var output: Int { self == .output2Kernel3 ? 2 : 4 }
    /// The kernel size r.
    package var kernel: Int { self == .output4Kernel5 ? 5 : 3 }
    /// The input tile size n = m + r − 1.
    package var size: Int { output + kernel - 1 }
    /// The number of transformed planes ξ, n².
    package var planes: Int { size * size }

    /// The algorithm for a convolution of this geometry, or nil: stride 1, a 3×3 or 5×5 kernel with
    /// at most "same" padding, and no more than 128 input channels (beyond that the n²/r² larger
    /// transformed filters cost more memory traffic than they save: the 256-channel layers of the
    /// ResNet work on 4×4 planes where GEMMs are bandwidth-bound). 3×3 layers get F(2×2, 3×3).
    package static func of(
        kernelRows: Int, kernelColumns: Int, strideRows: Int, strideColumns: Int,
        paddingRows: Int, paddingColumns: Int, inputChannels: Int
    ) -> WinogradTile? {
        guard strideRows == 1, strideColumns == 1, kernelRows == kernelColumns, inputChannels <= 128,
            paddingRows <= kernelRows / 2, paddingColumns <= kernelColumns / 2
        else { return nil }
        switch kernelRows {
        case 3: return .output2Kernel3
        case 5: return .output4Kernel5
        default: return nil
        }
    }

    /// G (rows for the points 0, 1, −1, 2, −2 for n = 6, and ½, −½ too for n = 8, then ∞), as many
    /// columns as the kernel: row j is `(a_j^k / Π_{l≠j}(a_j − a_l))_k` for the finite points and
    /// `(0, …, 0, 1)` for ∞.
    private func filterTransform() -> [[Double]] {
        let points: [Double] = size == 8 ? [0, 1, -1, 2, -2, 0.5, -0.5] : [0, 1, -1, 2, -2]
        var g: [[Double]] = points.enumerated().map { j, a in
            let f = points.enumerated().reduce(1.0) { $1.offset == j ? $0 : $0 * (a - $1.element) }
            return (0..<kernel).map { k in pow(a, k) / f }
        }
        g.append((0..<kernel).map { $0 == kernel - 1 ? 1 : 0 })
        return g
    }

    /// The transformed filters `U = G g G^T` of every (filter, channel), stored `[ξ][filter][channel]`
    /// (ξ = n·row + column).
    package func transformedWeights(_ weights: [Float], filters: Int, inputChannels: Int) -> [Float] {
        if self == .output2Kernel3 {
            return Convolution.winogradTransform(weights: weights, filters: filters, inputChannels: inputChannels)
        }
        let g = filterTransform(), n = size, r = kernel
        let plane = filters * inputChannels
        var u = [Float](repeating: 0, count: n * n * plane)
        var t = [Double](repeating: 0, count: n * r)
        for f in 0..<filters {
            for c in 0..<inputChannels {
                let base = (f * inputChannels + c) * r * r
                // t = G w (n × r), then U = t G^T (n × n), in double precision.
                for i in 0..<n {
                    for j in 0..<r {
                        var s = 0.0
                        for k in 0..<r { s += g[i][k] * Double(weights[base + k * r + j]) }
                        t[i * r + j] = s
                    }
                }
                for i in 0..<n {
                    for j in 0..<n {
                        var s = 0.0
                        for k in 0..<r { s += t[i * r + k] * g[j][k] }
                        u[(i * n + j) * plane + f * inputChannels + c] = Float(s)
                    }
                }
            }
        }
        return u
    }
}

/// `a^k` for small non-negative integer k.
private func pow(_ a: Double, _ k: Int) -> Double { (0..<k).reduce(1.0) { acc, _ in acc * a } }
