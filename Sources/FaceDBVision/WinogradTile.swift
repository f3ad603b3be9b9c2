/// The two Winograd minimal-filtering algorithms of the engine (Lavin & Gray, 2016): each computes a
/// 2×2 block of a stride-1 convolution's outputs from an `n × n` input tile, with `n²` element-wise
/// products per (filter, channel) instead of `4 · kernel²` multiply-adds.
///
/// | algorithm | kernel | tile n | products per output | direct |
/// |---|---|---|---|---|
/// | F(2×2, 3×3) | 3×3 | 4 | 4 | 9 |
/// | F(2×2, 5×5) | 5×5 | 6 | 9 | 25 |
///
/// Both use the interpolation points 0, ±1 (and ±2 for 5×5) and ∞, so the input and output
/// transforms only add, subtract and multiply by small integers; the fractions live in the filter
/// transform, which is computed once per layer in double precision.
enum WinogradTile: Sendable {
    /// F(2×2, 3×3): `Convolution+Winograd.swift`.
    case threeByThree
    /// F(2×2, 5×5): `Convolution+Winograd5.swift`.
    case fiveByFive

    /// The kernel size r.
    var kernel: Int { self == .threeByThree ? 3 : 5 }
    /// The input tile size n = 2 + r − 1.
    var size: Int { kernel + 1 }
    /// The number of transformed planes ξ, n².
    var planes: Int { size * size }

    /// The algorithm for a convolution of this geometry, or nil: stride 1, a 3×3 or 5×5 kernel with
    /// at most "same" padding, and no more than 128 input channels (beyond that the n²/r² larger
    /// transformed filters cost more memory traffic than they save: the 256-channel layers of the
    /// ResNet work on 4×4 planes where GEMMs are bandwidth-bound).
    static func of(
        kernelRows: Int, kernelColumns: Int, strideRows: Int, strideColumns: Int,
        paddingRows: Int, paddingColumns: Int, inputChannels: Int
    ) -> WinogradTile? {
        guard strideRows == 1, strideColumns == 1, kernelRows == kernelColumns, inputChannels <= 128,
              paddingRows <= kernelRows / 2, paddingColumns <= kernelColumns / 2 else { return nil }
        switch kernelRows {
        case 3: return .threeByThree
        case 5: return .fiveByFive
        default: return nil
        }
    }

    /// G of F(2, 5) (6×5, rows for the points 0, 1, −1, 2, −2, ∞): row j is (a_j^k / Π_{l≠j}(a_j − a_l))_k.
    static let filterTransform5: [[Double]] = [
        [1.0 / 4, 0, 0, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3],
        [1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3],
        [0, 0, 0, 0, 1],
    ]

    /// The transformed filters `U = G g G^T` of every (filter, channel), stored `[ξ][filter][channel]`
    /// (ξ = n·row + column).
    func transformedWeights(_ weights: [Float], filters: Int, inputChannels: Int) -> [Float] {
        switch self {
        case .threeByThree:
            return Convolution.winogradTransform(weights: weights, filters: filters, inputChannels: inputChannels)
        case .fiveByFive:
            let g = WinogradTile.filterTransform5, n = 6, r = 5
            let plane = filters * inputChannels
            var u = [Float](repeating: 0, count: n * n * plane)
            for f in 0..<filters {
                for c in 0..<inputChannels {
                    let base = (f * inputChannels + c) * r * r
                    // t = G w (n × r), then U = t G^T (n × n), in double precision.
                    var t = [Double](repeating: 0, count: n * r)
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
}
