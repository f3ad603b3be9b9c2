import FaceDBCore
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

/// The reference values of specification 10.1–10.3 (dlib 19.24 on x86-64), literally.
final class ImageAlgorithmTests: XCTestCase {
    private func synthetic(width: Int, height: Int, _ pixel: (Int, Int) -> (Int, Int, Int)) -> RGBImage {
        var bytes: [UInt8] = []
        for r in 0..<height {
            for c in 0..<width {
                let (a, b, d) = pixel(r, c)
                bytes += [UInt8(a & 255), UInt8(b & 255), UInt8(d & 255)]
            }
        }
        return try! RGBImage(width: width, height: height, pixels: bytes)
    }

    private func triples(_ image: RGBImage) -> [[(Int, Int, Int)]] {
        (0..<image.height).map { r in
            (0..<image.width).map { c in
                let i = (r * image.width + c) * 3
                return (Int(image.pixels[i]), Int(image.pixels[i + 1]), Int(image.pixels[i + 2]))
            }
        }
    }

    private func assertPixels(_ image: RGBImage, _ expected: [[(Int, Int, Int)]], file: StaticString = #filePath, line: UInt = #line) {
        let got = triples(image)
        XCTAssertEqual(got.count, expected.count, "rows", file: file, line: line)
        for (r, (g, e)) in zip(got, expected).enumerated() {
            XCTAssertEqual(g.count, e.count, "columns of row \(r)", file: file, line: line)
            for (c, (a, b)) in zip(g, e).enumerated() where a != b {
                XCTFail("pixel (row \(r), col \(c)) is \(a), dlib \(b)", file: file, line: line)
            }
        }
    }

    /// 10.1: pyramid_up of a 4×6 image is 9 rows × 14 columns with dlib's exact bytes.
    func testPyramidUpReference() {
        let input = synthetic(width: 6, height: 4) { r, c in ((40 * r + 7 * c) % 256, (255 - 13 * r - 5 * c + 256) % 256, (11 * r * c + 3) % 256) }
        let output = ImagePyramid.up(input)
        XCTAssertEqual(output.width, 14)
        XCTAssertEqual(output.height, 9)
        assertPixels(output, Self.pyramidUpExpected)
    }

    /// 10.2: pyramid_down<2> of an 11×13 image is 4×5 with dlib's exact bytes.
    func testPyramidDownReference() throws {
        let input = synthetic(width: 13, height: 11) { r, c in ((23 * r + 17 * c) % 256, (3 * r * r + 29 * c) % 256, (7 * r * c + 50) % 256) }
        let output = try XCTUnwrap(ImagePyramid.down(input))
        XCTAssertEqual(output.width, 5)
        XCTAssertEqual(output.height, 4)
        assertPixels(output, Self.pyramidDownExpected)
        XCTAssertNil(ImagePyramid.down(synthetic(width: 9, height: 8) { _, _ in (0, 0, 0) }))
    }

    /// 10.3: tiled pyramid layouts (rects [l, t, r, b]; tensor rows × columns).
    func testTiledPyramidLayouts() {
        for (height, width, rows, columns, rects) in Self.layouts {
            let layout = TiledPyramid(width: width, height: height)
            XCTAssertEqual(layout.rows, rows, "\(height)x\(width)")
            XCTAssertEqual(layout.columns, columns, "\(height)x\(width)")
            XCTAssertEqual(layout.levels.map { [$0.left, $0.top, $0.right, $0.bottom] }, rects, "\(height)x\(width)")
        }
    }

    /// The tiled pyramid has the same bits whether one worker fills it or several share its rows
    /// (level by level), a reused buffer keeps nothing of its old contents, and level 0 is the
    /// image less the channel means, over 256.
    func testTiledPyramidFillIsTheSameForAnyNumberOfWorkers() throws {
        var rng = detectionSeededGenerator(self)
        let width = 173, height = 301
        let pixels = (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        let layout = TiledPyramid(width: width, height: height)
        let means: [Float] = [122.8, 117.0, 104.1]
        func filled(workers: Int) -> [Float] {
            var tensor = [Float](repeating: .nan, count: 3 * layout.rows * layout.columns)
            tensor.withUnsafeMutableBufferPointer { layout.fill(image, means: means, into: $0.baseAddress!, workers: workers) }
            return tensor
        }
        let one = filled(workers: 1)
        XCTAssertFalse(one.contains { $0.isNaN }, "every value written")
        XCTAssertGreaterThan(layout.levels.count, 5)
        for workers in [2, 3] { XCTAssertTrue(filled(workers: workers) == one, "\(workers) workers") }
        let l0 = layout.levels[0]
        for (x, y, c) in [(0, 0, 0), (172, 300, 2), (50, 150, 1)] {
            let value = one[(c * layout.rows + l0.top + y) * layout.columns + l0.left + x]
            XCTAssertEqual(value, (Float(pixels[(y * width + x) * 3 + c]) - means[c]) / 256)
        }
    }

    /// The float resize agrees with the RGB one where both are exact (a constant image stays constant)
    /// and uses the source's corners for the destination's corners.
    func testFloatResizeKeepsCornersAndConstants() {
        let sw = 37, sh = 29, dw = 30, dh = 24
        var source = [Float](repeating: 0, count: sw * sh)
        for y in 0..<sh { for x in 0..<sw { source[y * sw + x] = Float(x * 3 + y * 7) } }
        var dest = [Float](repeating: -1, count: dw * dh)
        source.withUnsafeBufferPointer { s in
            dest.withUnsafeMutableBufferPointer { d in
                BilinearResize.resizePlane(
                    source: s.baseAddress!, sourceWidth: sw, sourceHeight: sh, sourceStride: sw,
                    destination: d.baseAddress!, width: dw, height: dh, destinationStride: dw)
            }
        }
        XCTAssertEqual(dest[0], source[0])
        XCTAssertFalse(dest.contains(-1), "every destination value written")
        // A linear ramp is reproduced by bilinear interpolation up to float rounding.
        for y in 0..<dh {
            for x in 0..<dw {
                let sx = Double(x) * Double(sw - 1) / Double(dw - 1), sy = Double(y) * Double(sh - 1) / Double(dh - 1)
                XCTAssertEqual(Double(dest[y * dw + x]), sx * 3 + sy * 7, accuracy: 1e-3)
            }
        }
    }

    /// The h64 checksum of specification 10.4 on a tiny image, computed by hand.
    func testChecksum() throws {
        let image = try RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        var h: UInt64 = 1_469_598_103_934_665_603
        for b: UInt64 in [1, 2, 3] { h = (h ^ b) &* 1_099_511_628_211 }
        XCTAssertEqual(image.checksum64, h)
        XCTAssertNotEqual(try RGBImage(width: 1, height: 1, pixels: [1, 3, 2]).checksum64, h)
    }

    static let pyramidUpExpected: [[(Int, Int, Int)]] = [
        [
            (0, 255, 3), (2, 253, 3), (5, 251, 3), (8, 249, 3), (10, 247, 3), (13, 245, 3), (16, 243, 3), (18, 241, 3), (21, 239, 3), (24, 237, 3),
            (26, 235, 3), (29, 233, 3), (32, 231, 3), (35, 230, 3),
        ],
        [
            (15, 250, 3), (17, 248, 4), (20, 246, 6), (23, 244, 7), (25, 242, 9), (28, 240, 10), (31, 238, 12), (33, 236, 14), (36, 234, 15),
            (39, 232, 17), (41, 230, 18), (44, 228, 20), (47, 227, 22), (50, 225, 23),
        ],
        [
            (30, 245, 3), (32, 243, 6), (35, 241, 9), (38, 239, 12), (40, 237, 15), (43, 235, 18), (46, 233, 22), (48, 231, 25), (51, 229, 28),
            (54, 227, 31), (56, 226, 34), (59, 224, 37), (62, 222, 41), (65, 220, 44),
        ],
        [
            (45, 240, 3), (47, 238, 7), (50, 236, 12), (53, 234, 17), (55, 232, 22), (58, 230, 26), (61, 228, 31), (63, 226, 36), (66, 224, 41),
            (69, 223, 45), (71, 221, 50), (74, 219, 55), (77, 217, 60), (80, 215, 64),
        ],
        [
            (60, 235, 3), (62, 233, 9), (65, 231, 15), (68, 229, 22), (70, 227, 28), (73, 225, 34), (76, 223, 41), (78, 222, 47), (81, 220, 53),
            (84, 218, 60), (86, 216, 66), (89, 214, 72), (92, 212, 79), (95, 210, 85),
        ],
        [
            (75, 230, 3), (77, 228, 10), (80, 226, 18), (83, 224, 26), (85, 222, 34), (88, 221, 42), (91, 219, 50), (93, 217, 58), (96, 215, 66),
            (99, 213, 74), (101, 211, 82), (104, 209, 90), (107, 207, 98), (110, 205, 106),
        ],
        [
            (90, 225, 3), (92, 223, 12), (95, 221, 22), (98, 219, 31), (100, 218, 41), (103, 216, 50), (106, 214, 60), (108, 212, 69), (111, 210, 79),
            (114, 208, 88), (116, 206, 98), (119, 204, 107), (122, 202, 117), (125, 200, 126),
        ],
        [
            (105, 220, 3), (107, 218, 14), (110, 217, 25), (113, 215, 36), (115, 213, 47), (118, 211, 58), (121, 209, 69), (123, 207, 80),
            (126, 205, 91), (129, 203, 102), (131, 201, 114), (134, 199, 125), (137, 197, 136), (140, 195, 147),
        ],
        [
            (120, 216, 3), (122, 214, 15), (125, 212, 28), (128, 210, 41), (130, 208, 53), (133, 206, 66), (136, 204, 79), (138, 202, 91),
            (141, 200, 104), (144, 198, 117), (146, 196, 129), (149, 194, 142), (152, 192, 155), (155, 191, 168),
        ],
    ]

    static let pyramidDownExpected: [[(Int, Int, Int)]] = [
        [(80, 73, 78), (114, 131, 106), (148, 184, 133), (181, 137, 147), (185, 60, 130)],
        [(126, 109, 106), (160, 166, 153), (189, 184, 153), (187, 92, 124), (100, 86, 105)],
        [(172, 160, 133), (197, 162, 153), (151, 118, 91), (83, 96, 126), (61, 144, 125)],
        [(187, 143, 147), (142, 96, 124), (67, 117, 126), (65, 156, 149), (98, 163, 126)],
    ]

    static let layouts: [(Int, Int, Int, Int, [[Int]])] = [
        (
            1137, 910, 4139, 932,
            [
                [11, 11, 920, 1147], [11, 1158, 768, 2104], [11, 2115, 641, 2903], [11, 2914, 535, 3570], [11, 3581, 447, 4127],
                [557, 3673, 920, 4127], [618, 3284, 920, 3662], [669, 2959, 920, 3273], [711, 2687, 920, 2948], [746, 2459, 920, 2676],
                [776, 2268, 920, 2448], [801, 2108, 920, 2257], [821, 1973, 920, 2097], [838, 1859, 920, 1962], [852, 1763, 920, 1848],
                [864, 1682, 920, 1752], [874, 1613, 920, 1671], [882, 1554, 920, 1602], [889, 1504, 920, 1543], [895, 1461, 920, 1493],
                [900, 1424, 920, 1450], [904, 1392, 920, 1413], [907, 1364, 920, 1381], [910, 1339, 920, 1353], [912, 1317, 920, 1328],
                [914, 1297, 920, 1306], [916, 1279, 920, 1286], [917, 1263, 920, 1268], [918, 1248, 920, 1252],
            ]
        ),
        (
            2275, 1822, 8221, 1844,
            [
                [11, 11, 1832, 2285], [11, 2296, 1528, 4190], [11, 4201, 1275, 5779], [11, 5790, 1064, 7104], [11, 7115, 888, 8209],
                [1102, 7298, 1832, 8209], [1224, 6528, 1832, 7287], [1326, 5885, 1832, 6517], [1411, 5348, 1832, 5874], [1482, 4899, 1832, 5337],
                [1541, 4524, 1832, 4888], [1590, 4210, 1832, 4513], [1631, 3947, 1832, 4199], [1665, 3727, 1832, 3936], [1693, 3542, 1832, 3716],
                [1717, 3387, 1832, 3531], [1737, 3257, 1832, 3376], [1753, 3147, 1832, 3246], [1767, 3054, 1832, 3136], [1778, 2975, 1832, 3043],
                [1788, 2908, 1832, 2964], [1796, 2851, 1832, 2897], [1803, 2802, 1832, 2840], [1808, 2760, 1832, 2791], [1813, 2724, 1832, 2749],
                [1817, 2693, 1832, 2713], [1820, 2666, 1832, 2682], [1823, 2642, 1832, 2655], [1825, 2621, 1832, 2631], [1827, 2602, 1832, 2610],
                [1828, 2585, 1832, 2591], [1829, 2570, 1832, 2574],
            ]
        ),
        (
            150, 150, 598, 172,
            [
                [11, 11, 160, 160], [11, 171, 135, 295], [11, 306, 114, 409], [11, 420, 96, 505], [11, 516, 81, 586], [102, 528, 160, 586],
                [112, 469, 160, 517], [121, 419, 160, 458], [128, 376, 160, 408], [134, 339, 160, 365], [139, 307, 160, 328], [143, 279, 160, 296],
                [146, 254, 160, 268], [149, 232, 160, 243], [151, 212, 160, 221], [153, 194, 160, 201], [155, 178, 160, 183], [156, 163, 160, 167],
            ]
        ),
        (
            480, 640, 1782, 662,
            [
                [11, 11, 650, 490], [11, 501, 543, 900], [11, 911, 454, 1243], [11, 1254, 380, 1530], [11, 1541, 318, 1770], [395, 1580, 650, 1770],
                [438, 1411, 650, 1569], [474, 1269, 650, 1400], [504, 1149, 650, 1258], [529, 1048, 650, 1138], [550, 963, 650, 1037],
                [567, 891, 650, 952], [581, 830, 650, 880], [593, 778, 650, 819], [603, 733, 650, 767], [611, 694, 650, 722], [618, 660, 650, 683],
                [624, 630, 650, 649], [629, 604, 650, 619], [633, 581, 650, 593], [636, 561, 650, 570], [639, 543, 650, 550], [641, 527, 650, 532],
                [643, 512, 650, 516],
            ]
        ),
    ]
}
