import Foundation

/// Draws a DET (detection error trade-off) plot as a standalone SVG document, with no dependency.
///
/// The x axis is the false match rate on a log scale from 1e-6 to 1, the y axis the false
/// non-match rate on a log scale from 1e-4 to 1; rates outside are drawn on the nearest edge
/// (a rate of 0 on the floor). Lower-left is better.
public enum CurvePlot {
    /// The document's width in pixels.
    public static let width = 640
    /// The document's height in pixels.
    public static let height = 480

    private static let xDecades = (low: -6, high: 0)
    private static let yDecades = (low: -4, high: 0)
    private static let plot = (left: 70.0, top: 40.0, right: 610.0, bottom: 420.0)

    /// An SVG document (640 × 480) showing `curve` as a line and, when given, the operating point
    /// as a circle labelled like "FMR 1e-3 → threshold 0.52, FNMR 3.1%".
    public static func detSVG(curve: [ROCPoint], operatingPoint: ROCPoint?, title: String) -> String {
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>

            """
        svg += text(escape(title), x: Double(width) / 2, y: 24, anchor: "middle", extra: #" font-size="15" font-weight="bold""#)

        // Grid lines and tick labels at every decade.
        for decade in xDecades.low...xDecades.high {
            let x = xPosition(pow(10, Double(decade)))
            svg += line(x, plot.top, x, plot.bottom, stroke: "#dddddd")
            svg += text(decadeLabel(decade), x: x, y: plot.bottom + 16, anchor: "middle")
        }
        for decade in yDecades.low...yDecades.high {
            let y = yPosition(pow(10, Double(decade)))
            svg += line(plot.left, y, plot.right, y, stroke: "#dddddd")
            svg += text(decadeLabel(decade), x: plot.left - 6, y: y + 4, anchor: "end")
        }
        svg +=
            "<rect x=\"\(number(plot.left))\" y=\"\(number(plot.top))\" width=\"\(number(plot.right - plot.left))\" height=\"\(number(plot.bottom - plot.top))\" fill=\"none\" stroke=\"black\"/>\n"

        // Axis titles.
        svg += text("False match rate (FMR)", x: (plot.left + plot.right) / 2, y: plot.bottom + 40, anchor: "middle")
        let middle = (plot.top + plot.bottom) / 2
        svg += text(
            "False non-match rate (FNMR)", x: 20, y: middle, anchor: "middle",
            extra: " transform=\"rotate(-90 20 \(number(middle)))\"")

        // The curve, in order of increasing FMR.
        let ordered = curve.filter { !$0.fmr.isNaN && !$0.fnmr.isNaN }.sorted { $0.fmr < $1.fmr }
        if !ordered.isEmpty {
            let points = ordered.map { "\(number(xPosition($0.fmr))),\(number(yPosition($0.fnmr)))" }
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
        }

        if let point = operatingPoint, !point.fmr.isNaN, !point.fnmr.isNaN {
            let x = xPosition(point.fmr)
            let y = yPosition(point.fnmr)
            svg += "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"5\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
            // Put the label on the side of the point with more room.
            let onRight = x < (plot.left + plot.right) / 2
            let labelY = min(max(y - 10, plot.top + 14), plot.bottom - 6)
            svg += text(
                escape(label(point)), x: onRight ? x + 10 : x - 10, y: labelY,
                anchor: onRight ? "start" : "end", extra: " fill=\"#d62728\"")
        }
        svg += "</svg>\n"
        return svg
    }

    /// The operating point's caption: the target FMR (or the measured one), the threshold and the FNMR.
    static func label(_ point: ROCPoint) -> String {
        "FMR \(rate(point.targetFMR ?? point.fmr)) → threshold \(String(format: "%.3g", Double(point.threshold))), FNMR \(percent(point.fnmr))"
    }

    // MARK: - Helpers

    private static func xPosition(_ fmr: Double) -> Double {
        scale(fmr, decades: xDecades, from: plot.left, to: plot.right)
    }

    private static func yPosition(_ fnmr: Double) -> Double {
        scale(fnmr, decades: yDecades, from: plot.bottom, to: plot.top)
    }

    /// Maps a rate on a log axis spanning `decades` to a pixel position, clamping to the axis.
    private static func scale(_ rate: Double, decades: (low: Int, high: Int), from start: Double, to end: Double) -> Double {
        let low = Double(decades.low)
        let high = Double(decades.high)
        let exponent = rate > 0 ? min(max(log10(rate), low), high) : low
        return start + (exponent - low) / (high - low) * (end - start)
    }

    private static func decadeLabel(_ decade: Int) -> String {
        decade == 0 ? "1" : "1e\(decade)"
    }

    /// A rate as "1e-3" when it is a power of ten, else with two significant digits.
    private static func rate(_ value: Double) -> String {
        if value > 0 {
            let exponent = log10(value)
            if abs(exponent - exponent.rounded()) < 1e-9 { return decadeLabel(Int(exponent.rounded())) }
        }
        return String(format: "%.2g", value)
    }

    private static func percent(_ value: Double) -> String {
        let p = value * 100
        return p >= 1 || p == 0 ? String(format: "%.1f%%", p) : String(format: "%.2g%%", p)
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\"/>\n"
    }

    /// A text element; `content` must already be escaped.
    private static func text(_ content: String, x: Double, y: Double, anchor: String, extra: String = "") -> String {
        "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\"\(extra)>\(content)</text>\n"
    }

    /// Escapes text for XML content and attributes, and drops characters XML 1.0 cannot hold.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                let allowed = v >= 0x20 && !(0xD800...0xDFFF).contains(v) && v != 0xFFFE && v != 0xFFFF
                if allowed { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
