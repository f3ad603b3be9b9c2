import Foundation

/// Where a face chip is cut from a photo: a rotated square (dlib's `chip_details`), found by
/// ``FaceAligner/chipDetails(for:size:padding:)``.
package struct ChipDetails: Equatable, Sendable {
    /// Left edge of the unrotated square in image pixels (double, inclusive convention).
    package var left: Double
    /// Top edge.
    package var top: Double
    /// Right edge.
    package var right: Double
    /// Bottom edge.
    package var bottom: Double
    /// Rotation in radians about the square's centre.
    package var angle: Double
    /// The chip's side in pixels (rows = columns).
    package var size: Int

    /// Makes chip details.
    package init(left: Double, top: Double, right: Double, bottom: Double, angle: Double, size: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.angle = angle
        self.size = size
    }

    var rectangle: DoubleRectangle { DoubleRectangle(left: left, top: top, right: right, bottom: bottom) }
}
