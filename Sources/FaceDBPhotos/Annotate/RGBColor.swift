/// An 8-bit RGB colour of an annotation.
public struct RGBColor: Sendable, Hashable {
    /// Red, 0–255.
    public var red: UInt8
    /// Green, 0–255.
    public var green: UInt8
    /// Blue, 0–255.
    public var blue: UInt8

    /// A colour from its three components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The box colour of a face: green.
    public static let boxGreen = RGBColor(red: 0, green: 200, blue: 0)
    /// The landmark dot colour: red.
    public static let landmarkRed = RGBColor(red: 255, green: 0, blue: 0)
    /// White, for label text.
    public static let white = RGBColor(red: 255, green: 255, blue: 255)
}
