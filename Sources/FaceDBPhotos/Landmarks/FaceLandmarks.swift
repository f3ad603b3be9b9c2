/// The five landmarks of dlib's 5-point model, in dlib's order and integer image pixels:
/// 0 = outer and 1 = inner corner of the eye on the image's right side, 2 = outer and 3 = inner
/// corner of the eye on the image's left side, 4 = bottom of the nose.
public struct FaceLandmarks: Hashable, Sendable, Codable {
    /// One landmark: an integer pixel position.
    public struct Point: Hashable, Sendable, Codable {
        /// Column.
        public var x: Int
        /// Row.
        public var y: Int
        /// Makes a point.
        public init(x: Int, y: Int) { self.x = x; self.y = y }
    }

    /// The points, in dlib's order.
    public var points: [Point]

    /// Wraps points (five for the 5-point model).
    public init(points: [Point]) { self.points = points }
}
