import FaceDBCore
import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBNeural
@testable import FaceDBPhotos

final class ImageDecoderTests: XCTestCase {
    /// Every fixture photo decodes to Pillow's RGB: same size and the golden h64 of the pixels.
    func testEveryFixtureMatchesPillow() throws {
        var mismatches: [String] = []
        for golden in try DetectionFixtures.images() {
            let image = try ImageDecoder().decode(contentsOf: golden.photoPath)
            if image.width != golden.width || image.height != golden.height || String(image.checksum64) != golden.rgb_h64 {
                mismatches.append(
                    "\(golden.file): \(image.width)×\(image.height) h64 \(image.checksum64), Pillow \(golden.width)×\(golden.height) h64 \(golden.rgb_h64)"
                )
            }
        }
        XCTAssertEqual(mismatches, [], "decoded RGB differs from Pillow's")
    }

    /// The EXIF-rotated photo comes out upright and equal to the unrotated original.
    func testExifOrientationSix() throws {
        let rotated = try ImageDecoder().decode(contentsOf: try DetectionFixtures.image("other/obama_exif_orientation6.jpg").photoPath)
        XCTAssertEqual(rotated.width, 910)
        XCTAssertEqual(rotated.height, 1137)
        let raw = try ImageDecoder(appliesExifOrientation: false).decode(
            contentsOf: try DetectionFixtures.image("other/obama_exif_orientation6.jpg").photoPath)
        XCTAssertEqual(raw.width, 1137)
        XCTAssertEqual(raw.height, 910)
        XCTAssertEqual(ExifOrientation.right.apply(to: raw), rotated)
    }

    /// All eight orientations move a marked pixel where Pillow's transposes put it.
    func testOrientationTransforms() throws {
        // 3 wide, 2 high; pixel value = index.
        let image = try RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        func reds(_ o: ExifOrientation) -> [UInt8] { stride(from: 0, to: 18, by: 3).map { o.apply(to: image).pixels[$0] } }
        // Source rows: [0 1 2] [3 4 5].
        XCTAssertEqual(reds(.up), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(reds(.upMirrored), [2, 1, 0, 5, 4, 3])
        XCTAssertEqual(reds(.down), [5, 4, 3, 2, 1, 0])
        XCTAssertEqual(reds(.downMirrored), [3, 4, 5, 0, 1, 2])
        XCTAssertEqual(reds(.leftMirrored), [0, 3, 1, 4, 2, 5])  // transpose: 2 wide, 3 high
        XCTAssertEqual(reds(.right), [3, 0, 4, 1, 5, 2])  // 90° clockwise
        XCTAssertEqual(reds(.rightMirrored), [5, 2, 4, 1, 3, 0])  // transverse
        XCTAssertEqual(reds(.left), [2, 5, 1, 4, 0, 3])  // 90° counter-clockwise
        XCTAssertEqual(ExifOrientation.right.apply(to: image).width, 2)
    }

    func testExifParserReadsBothByteOrders() {
        let little: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        let big: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0]
        XCTAssertEqual(ExifOrientation.parse(exif: little), .right)
        XCTAssertEqual(ExifOrientation.parse(exif: big), .left)
        XCTAssertNil(ExifOrientation.parse(exif: Array(little.prefix(12))))
        var bad = little
        bad[18] = 9
        XCTAssertNil(ExifOrientation.parse(exif: bad))
    }

    /// Gray JPEGs are replicated into R = G = B.
    func testGrayscaleJpegIsReplicated() throws {
        let image = try DetectionFixtures.decoded(try DetectionFixtures.image("faces/al_gore/congress_bioguide.jpg"))
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            guard image.pixels[i] == image.pixels[i + 1], image.pixels[i] == image.pixels[i + 2] else {
                return XCTFail("pixel \(i / 3) is not gray")
            }
        }
    }

    /// A decompression bomb is refused from its header, before allocation.
    func testPixelLimitIsCheckedFromTheHeader() throws {
        let golden = try DetectionFixtures.image("other/rocket.jpg")
        let bytes = try DetectionFixtures.bytes(golden)
        XCTAssertNoThrow(try ImageDecoder(maxPixelCount: golden.width * golden.height).decode(bytes))
        XCTAssertThrowsError(try ImageDecoder(maxPixelCount: golden.width * golden.height - 1).decode(bytes)) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .imageTooLarge)
        }
        // A PNG header claiming 2^31−1 × 2^31−1 pixels, then the start of an (empty) IDAT chunk.
        var png: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
            0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 8, 2, 0, 0, 0,
        ]
        png += crc32(Array(png[12..<29])).bigEndianBytes
        png += [0, 0, 0, 0, 0x49, 0x44, 0x41, 0x54] + crc32([0x49, 0x44, 0x41, 0x54]).bigEndianBytes
        XCTAssertThrowsError(try ImageDecoder().decode(png)) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .imageTooLarge, "\(error)")
        }
    }

    func testTruncatedFilesGiveAClearError() throws {
        for name in ["other/rocket.jpg", "faces/eileen_collins/nasa_portrait.png", "other/obama_exif_orientation6.jpg"] {
            let bytes = try DetectionFixtures.bytes(try DetectionFixtures.image(name))
            for fraction in [0.05, 0.5, 0.9] {
                let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
                XCTAssertThrowsError(try ImageDecoder().decode(cut, source: name)) { error in
                    let e = error as? FaceDBError
                    XCTAssertEqual(e?.code, .imageCorrupt, "\(name) cut at \(fraction): \(error)")
                    XCTAssert(e?.message.contains("truncated") == true, "\(e?.message ?? "")")
                }
            }
        }
    }

    func testNotAnImage() {
        XCTAssertThrowsError(try ImageDecoder().decode(Array("hello".utf8))) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .unsupportedImage)
        }
        XCTAssertThrowsError(try ImageDecoder().decode([])) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .unsupportedImage)
        }
        XCTAssertThrowsError(try ImageDecoder().decode(contentsOf: "/nonexistent/x.jpg")) { error in
            XCTAssertEqual((error as? FaceDBError)?.code, .io)
        }
    }

    /// PNG round trip through the encoder, with an odd size.
    func testPNGRoundTrip() throws {
        var rng = detectionSeededGenerator(self)
        let image = try RGBImage(width: 37, height: 23, pixels: (0..<(37 * 23 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let dir = TemporaryDirectory("png")
        try PNGEncoder.write(image, to: dir.path("a.png"))
        XCTAssertEqual(try ImageDecoder().decode(contentsOf: dir.path("a.png")), image)
    }

    /// Seeded fuzzing: thousands of mutated fixture files never crash; each either decodes to a
    /// consistent image or throws a FaceDBError.
    func testFuzzedFilesNeverCrash() throws {
        var rng = detectionSeededGenerator(self)
        let names = [
            "faces/al_gore/congress_bioguide.jpg", "faces/ann_kuster/congress_photo_a_older.jpg",
            "other/camera.png", "faces/joe_biden/senate_bioguide.jpg",
        ]
        let seeds = try names.map { try DetectionFixtures.bytes(try DetectionFixtures.image($0)) }
        let decoder = ImageDecoder(maxPixelCount: 4_000_000)
        var decoded = 0, refused = 0
        let cases = 3000
        for _ in 0..<cases {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:  // flip random bytes (headers are where parsers break: bias to the start)
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let limit = Bool.random(using: &rng) ? min(bytes.count, 1024) : bytes.count
                    bytes[Int.random(in: 0..<limit, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            case 1:  // truncate
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 2:  // delete a run
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...256, using: &rng)))
            default:  // overwrite a run near the start with random bytes
                let start = Int.random(in: 0..<min(bytes.count, 2048), using: &rng)
                for i in start..<min(bytes.count, start + Int.random(in: 1...16, using: &rng)) {
                    bytes[i] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let image = try decoder.decode(bytes)
                XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                decoded += 1
            } catch is FaceDBError {
                refused += 1
            }
        }
        XCTAssertEqual(decoded + refused, cases)
        XCTAssert(refused > 0 && decoded > 0, "fuzzing should produce both outcomes (decoded \(decoded), refused \(refused))")
    }
}

/// CRC-32 (PNG chunks), for hand-made test files.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xFF), UInt8(self >> 8 & 0xFF), UInt8(self & 0xFF)] }
}

/// JPEG and PNG variants made with Pillow (`Tools/fixtures/make-codec-fixtures.py`), each compared
/// with Pillow's decoded RGB (size and h64).
final class CodecVariantTests: XCTestCase {
    struct Expected: Decodable {
        var mode: String
        var width: Int
        var height: Int
        var rgb_h64: String
    }

    func testEveryVariantDecodesLikePillow() throws {
        let dir = DetectionFixtures.directory.appendingPathComponent("codecs")
        let manifest = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: dir.appendingPathComponent("codecs.json")))
        XCTAssertGreaterThanOrEqual(manifest.count, 21)
        for name in ["ycck.jpg", "interlaced.png", "interlaced_gray16.png", "interlaced_palette4.png"] {
            XCTAssertNotNil(manifest[name], "codecs.json has no \(name)")
        }
        var failures: [String] = []
        for (name, expected) in manifest.sorted(by: { $0.key < $1.key }) {
            do {
                let image = try ImageDecoder().decode(contentsOf: dir.appendingPathComponent(name).path)
                if image.width != expected.width || image.height != expected.height || String(image.checksum64) != expected.rgb_h64 {
                    failures.append(
                        "\(name) (\(expected.mode)): \(image.width)×\(image.height) h64 \(image.checksum64), Pillow \(expected.width)×\(expected.height) \(expected.rgb_h64)"
                    )
                }
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        XCTAssertEqual(failures, [])
    }

    private var codecs: URL { DetectionFixtures.directory.appendingPathComponent("codecs") }

    private func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: codecs.appendingPathComponent(name)))
    }

    private func decode(_ name: String) throws -> RGBImage {
        try ImageDecoder().decode(contentsOf: codecs.appendingPathComponent(name).path)
    }

    /// The `width`×`height` window of `image` whose top-left pixel is (`x`, `y`).
    private func window(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage {
        var pixels: [UInt8] = []
        for row in y..<(y + height) {
            let start = (row * image.width + x) * 3
            pixels += image.pixels[start..<(start + width * 3)]
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }

    /// An Adam7-interlaced PNG decodes to exactly the pixels of the same samples stored without
    /// interlacing: 8-bit RGB (all passes full), 16-bit gray at an odd size (partial passes) and
    /// 4-bit palette three rows high (pass 3 empty).
    func testInterlacedPNGsDecodeLikeTheirNonInterlacedTwins() throws {
        let cases: [(interlaced: String, twin: String, x: Int, y: Int, width: Int, height: Int)] = [
            ("interlaced.png", "rgb8.png", 0, 0, 96, 72),
            ("interlaced_gray16.png", "gray16.png", 0, 0, 93, 69),
            ("interlaced_palette4.png", "palette4.png", 30, 30, 35, 3),
        ]
        for c in cases {
            // IHDR's interlace method is the file's byte 28 (signature 8, chunk length and type 8, 12 header bytes before it).
            XCTAssertEqual(try bytes(c.interlaced)[28], 1, "\(c.interlaced) is not interlaced")
            XCTAssertEqual(try bytes(c.twin)[28], 0, "\(c.twin) is interlaced")
            let interlaced = try decode(c.interlaced)
            let twin = try window(try decode(c.twin), x: c.x, y: c.y, width: c.width, height: c.height)
            XCTAssertEqual(interlaced.width, c.width, c.interlaced)
            XCTAssertEqual(interlaced.height, c.height, c.interlaced)
            XCTAssert(interlaced == twin, "\(c.interlaced) decodes to other pixels than \(c.twin)")
        }
    }

    /// ycck.jpg is what it claims to be: four components with an Adobe APP14 segment whose
    /// transform byte is 2 (YCCK), so its manifest entry tests the YCCK → CMYK → RGB path.
    func testYCCKFixtureHasAdobeTransformTwo() throws {
        let jpeg = try bytes("ycck.jpg")
        var transform: UInt8?
        var components: UInt8?
        var at = 2
        while at + 4 <= jpeg.count, jpeg[at] == 0xFF, jpeg[at + 1] != 0xDA {
            let length = Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3])
            let segment = Array(jpeg[(at + 4)..<min(jpeg.count, at + 2 + length)])
            if jpeg[at + 1] == 0xEE, segment.count >= 12, segment.prefix(5).elementsEqual("Adobe".utf8) {
                transform = segment[11]  // "Adobe", version, flags0, flags1 (2 bytes each), transform
            }
            if (0xC0...0xC2).contains(jpeg[at + 1]), segment.count >= 6 {
                components = segment[5]  // precision, height (2), width (2), component count
            }
            at += 2 + length
        }
        XCTAssertEqual(transform, 2)
        XCTAssertEqual(components, 4)
    }
}
