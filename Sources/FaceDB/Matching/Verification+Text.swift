import Foundation

extension Verification {
    /// The estimated false-match rate as people read it: `3.2e-04`, `≥ 1.0e-02` beyond the stored
    /// impostor tail, `< 1.0e-06` when no measured impostor pair scored as well; nil without a calibration.
    public var estimatedFMRText: String? {
        guard let fmr = estimatedFMR else { return nil }
        if fmr == 0, let n = impostorPairs, n > 0 { return "< " + Self.scientific(1 / Double(n)) }
        return ((estimatedFMRIsBound ?? false) ? "≥ " : "") + Self.scientific(fmr)
    }

    private static func scientific(_ x: Double) -> String {
        var text = "\(x)"
        if x > 0 {
            let exponent = Int((log10(x)).rounded(.down))
            let mantissa = x / pow(10, Double(exponent))
            text = "\((mantissa * 10).rounded() / 10)e\(exponent < 0 ? "-" : "+")\(abs(exponent) < 10 ? "0" : "")\(abs(exponent))"
        }
        return text
    }
}
