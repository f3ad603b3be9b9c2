import FaceDBCore

/// An 8-bit RGB image: `width × height` pixels, row-major, three bytes (R, G, B) per pixel.
public struct RGBImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width × height × 3` bytes, row-major R, G, B.
    public let pixels: [UInt8]

    /// Wraps pixel bytes.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` when `pixels.count` is not `width × height × 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw FaceDBError(
                .invalidArgument,
                "An RGB image of \(width)×\(height) pixels needs \(max(0, width * height * 3)) bytes, but \(pixels.count) were given.",
                remedy: "Pass the pixels row-major with three bytes (R, G, B) per pixel.")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
