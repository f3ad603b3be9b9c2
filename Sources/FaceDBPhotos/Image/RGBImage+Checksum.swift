import FaceDBNeural

extension RGBImage {
    /// The 64-bit checksum "h64" of the golden files (specification 10.4): h = 1469598103934665603,
    /// then for every byte in row-major R, G, B order h = (h XOR byte) · 1099511628211 mod 2⁶⁴.
    public var checksum64: UInt64 {
        var h: UInt64 = 1_469_598_103_934_665_603
        for byte in pixels { h = (h ^ UInt64(byte)) &* 1_099_511_628_211 }
        return h
    }
}
