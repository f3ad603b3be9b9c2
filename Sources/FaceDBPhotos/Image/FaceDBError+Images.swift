import FaceDBCore

extension FaceDBError.Code {
    /// An image file is truncated, damaged or not a valid JPEG/PNG.
    public static let imageCorrupt = FaceDBError.Code("image-corrupt")
    /// An image is in a format (or variant) FaceDB does not decode.
    public static let unsupportedImage = FaceDBError.Code("unsupported-image")
    /// An image has more pixels than the decoder's limit (a possible decompression bomb).
    public static let imageTooLarge = FaceDBError.Code("image-too-large")
}
