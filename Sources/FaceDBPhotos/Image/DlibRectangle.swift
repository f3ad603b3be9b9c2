/// dlib's integer rectangle: inclusive corners, so width = right − left + 1 and height = bottom − top + 1;
/// empty when left > right or top > bottom.
public struct DlibRectangle: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Leftmost column.
    public var left: Int
    /// Top row.
    public var top: Int
    /// Rightmost column (inclusive).
    public var right: Int
    /// Bottom row (inclusive).
    public var bottom: Int

    /// Makes a rectangle from its inclusive corners.
    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    /// Columns covered (0 when empty).
    public var width: Int { isEmpty ? 0 : right - left + 1 }
    /// Rows covered (0 when empty).
    public var height: Int { isEmpty ? 0 : bottom - top + 1 }
    /// width × height.
    public var area: Int { width * height }
    /// Whether the rectangle covers no pixel.
    public var isEmpty: Bool { left > right || top > bottom }

    /// The common part of two rectangles (possibly empty).
    public func intersection(_ other: DlibRectangle) -> DlibRectangle {
        DlibRectangle(
            left: max(left, other.left), top: max(top, other.top),
            right: min(right, other.right), bottom: min(bottom, other.bottom))
    }

    /// The smallest rectangle containing both (dlib's `operator+`).
    public func union(_ other: DlibRectangle) -> DlibRectangle {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return DlibRectangle(
            left: min(left, other.left), top: min(top, other.top),
            right: max(right, other.right), bottom: max(bottom, other.bottom))
    }

    /// Whether the pixel (x, y) is inside.
    public func contains(x: Int, y: Int) -> Bool { x >= left && x <= right && y >= top && y <= bottom }

    /// `[left, top, right, bottom]`.
    public var description: String { "[\(left), \(top), \(right), \(bottom)]" }
}

/// dlib's `drectangle`: double corners, width = right − left + 1 as for integer rectangles.
struct DoubleRectangle: Equatable {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double

    /// Centred at (x, y) with the given width and height: (x − (w−1)/2, y − (h−1)/2, x + (w−1)/2, y + (h−1)/2).
    static func centred(x: Double, y: Double, width: Double, height: Double) -> DoubleRectangle {
        DoubleRectangle(
            left: x - (width - 1) / 2, top: y - (height - 1) / 2,
            right: x + (width - 1) / 2, bottom: y + (height - 1) / 2)
    }

    var isEmpty: Bool { left > right || top > bottom }
    /// (r − l + 1)(b − t + 1), 0 when empty.
    var area: Double { isEmpty ? 0 : (right - left + 1) * (bottom - top + 1) }
    var centreX: Double { (left + right) / 2 }
    var centreY: Double { (top + bottom) / 2 }

    /// Each corner rounded with `lround` (dlib ≥ 19.24.1).
    var rounded: DlibRectangle {
        DlibRectangle(
            left: Int(left.rounded(.toNearestOrAwayFromZero)), top: Int(top.rounded(.toNearestOrAwayFromZero)),
            right: Int(right.rounded(.toNearestOrAwayFromZero)), bottom: Int(bottom.rounded(.toNearestOrAwayFromZero)))
    }

    /// Both corners mapped by `pyramid_down<2>::point_down`.
    var pointDown: DoubleRectangle {
        DoubleRectangle(left: left / 2 - 1.25, top: top / 2 - 0.75, right: right / 2 - 1.25, bottom: bottom / 2 - 0.75)
    }
}
