/// Writes ROC points as CSV, for spreadsheets and plotting tools.
public enum CurveTable {
    /// The header `threshold,fmr,fnmr,tar` and one line per point, in the given order. Numbers are
    /// written in full precision (the shortest text that reads back to the same value).
    public static func csv(_ curve: [ROCPoint]) -> String {
        var text = "threshold,fmr,fnmr,tar\n"
        for point in curve {
            text += "\(point.threshold),\(point.fmr),\(point.fnmr),\(point.tar)\n"
        }
        return text
    }
}
