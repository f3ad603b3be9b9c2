import Foundation

/// Where a face chip is cut from a photo: a rotated square (dlib's `chip_details`), found by
/// ``FaceAligner/chipDetails(for:size:padding:)``.
public struct ChipDetails: Equatable, Sendable {
    /// Left edge of the unrotated square in image pixels (double, inclusive convention).
    public var left: Double
    /// Top edge.
    public var top: Double
    /// Right edge.
    public var right: Double
    /// Bottom edge.
    public var bottom: Double
    /// Rotation in radians about the square's centre.
    public var angle: Double
    /// The chip's side in pixels (rows = columns).
    public var size: Int

    /// Makes chip details.
    public init(left: Double, top: Double, right: Double, bottom: Double, angle: Double, size: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.angle = angle
        self.size = size
    }

    var rectangle: DoubleRectangle { DoubleRectangle(left: left, top: top, right: right, bottom: bottom) }
}
