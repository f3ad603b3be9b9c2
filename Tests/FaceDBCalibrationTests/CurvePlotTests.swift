import FaceDBCalibration
import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class CurvePlotTests: XCTestCase {
    /// Collects element names, attributes and text.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String]
        ) {
            elements.append((name, attributes))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    func makeCurve() throws -> (ROC, [ROCPoint]) {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let roc = try ROC(
            genuine: (0..<2000).map { _ in 0.4 + 0.1 * rng.nextGaussian() },
            impostor: (0..<20_000).map { _ in 0.9 + 0.1 * rng.nextGaussian() },
            higherIsBetter: false)
        return (roc, try roc.curve(maxPoints: 100))
    }

    func testDETSVGIsWellFormedWithCurveAndLabel() throws {
        let (roc, curve) = try makeCurve()
        let point = try XCTUnwrap(roc.points(fmrs: [1e-3]).first)
        let svg = CurvePlot.detSVG(curve: curve, operatingPoint: point, title: "LFW <dlib> & \"friends\"")

        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "") \(svg)")
        XCTAssertEqual(collector.elements.first?.name, "svg")
        let root = try XCTUnwrap(collector.elements.first?.attributes)
        XCTAssertEqual(root["xmlns"], "http://www.w3.org/2000/svg")
        XCTAssertEqual(root["width"], "640")
        XCTAssertEqual(root["height"], "480")

        let polylines = collector.elements.filter { $0.name == "polyline" }
        XCTAssertEqual(polylines.count, 1)
        let coordinates = try XCTUnwrap(polylines.first?.attributes["points"]).split(separator: " ")
        XCTAssertEqual(coordinates.count, curve.count)
        for pair in coordinates {
            let xy = pair.split(separator: ",").compactMap { Double($0) }
            XCTAssertEqual(xy.count, 2)
            XCTAssertTrue((0...640).contains(xy[0]) && (0...480).contains(xy[1]), "\(pair)")
        }
        XCTAssertEqual(collector.elements.filter { $0.name == "circle" }.count, 1)
        XCTAssertTrue(collector.text.contains("LFW <dlib> & \"friends\""), "title is escaped and round-trips")
        let label = "FMR 1e-3 → threshold \(String(format: "%.3g", Double(point.threshold))), FNMR "
        XCTAssertTrue(collector.text.contains(label), collector.text)
        for tick in ["1e-6", "1e-3", "1e-4", "1"] { XCTAssertTrue(collector.text.contains(tick), tick) }
        XCTAssertTrue(collector.text.contains("False match rate"))
        XCTAssertTrue(collector.text.contains("False non-match rate"))
        XCTAssertGreaterThanOrEqual(collector.elements.filter { $0.name == "line" }.count, 7 + 5, "a grid line per decade")
    }

    func testLabelFormatAndClamping() throws {
        let point = ROCPoint(targetFMR: 1e-3, threshold: 0.52, fmr: 0.0009, fnmr: 0.031)
        let svg = CurvePlot.detSVG(
            curve: [ROCPoint(threshold: 0.1, fmr: 0, fnmr: 1), ROCPoint(threshold: 2, fmr: 1, fnmr: 0)],
            operatingPoint: point, title: "t\u{1}")
        XCTAssertTrue(svg.contains("FMR 1e-3 → threshold 0.52, FNMR 3.1%"), svg)
        XCTAssertFalse(svg.contains("\u{1}"), "control characters are dropped")
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        // FMR 0 sits on the left edge, FNMR 0 on the floor: no NaN or infinity in the coordinates.
        XCTAssertFalse(svg.lowercased().contains("nan"))
        XCTAssertFalse(svg.contains("inf"))
        let empty = CurvePlot.detSVG(curve: [], operatingPoint: nil, title: "")
        XCTAssertTrue(XMLParser(data: Data(empty.utf8)).parse())
        XCTAssertFalse(empty.contains("<polyline"))
    }

    func testCSVTable() throws {
        let (_, curve) = try makeCurve()
        let csv = CurveTable.csv(curve)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "threshold,fmr,fnmr,tar")
        XCTAssertEqual(lines.count, curve.count + 1)
        for (line, point) in zip(lines.dropFirst(), curve) {
            let fields = line.split(separator: ",")
            XCTAssertEqual(fields.count, 4)
            XCTAssertEqual(Float(fields[0]), point.threshold)
            XCTAssertEqual(Double(fields[1]), point.fmr)
            XCTAssertEqual(Double(fields[2]), point.fnmr)
            XCTAssertEqual(Double(fields[3]), point.tar)
        }
        XCTAssertEqual(CurveTable.csv([]), "threshold,fmr,fnmr,tar\n")
    }
}
