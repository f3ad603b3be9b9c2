import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBNeural

/// The ResNet reader on the real file, truncated and altered (needs the model files).
final class ModelReaderTests: XCTestCase {
    private func assertCorrupt(
        _ bytes: [UInt8], mentions: [String], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try DlibResNetReader.read(bytes: bytes, path: "/models/x.dat"), what, file: file, line: line) { error in
            guard let error = error as? FaceDBError else { return XCTFail("\(what): not a FaceDBError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.code, .modelCorrupt, what, file: file, line: line)
            XCTAssertEqual(error.path, "/models/x.dat", file: file, line: line)
            let text = error.description
            XCTAssertTrue(text.contains("dlib_face_recognition_resnet_model_v1.dat"), "\(what): \(text)", file: file, line: line)
            XCTAssertTrue(text.contains("Tools/fetch-models"), "\(what): \(text)", file: file, line: line)
            for needle in mentions {
                XCTAssertTrue(text.contains(needle), "\(what): '\(needle)' missing from: \(text)", file: file, line: line)
            }
        }
    }

    /// Offsets of every occurrence of `tag` preceded by its length varint.
    private func tagOffsets(_ tag: String, in bytes: [UInt8]) -> [Int] {
        let needle = [0x01, UInt8(tag.utf8.count)] + Array(tag.utf8)
        var found: [Int] = []
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i + 1] == needle[1], Array(bytes[i..<(i + needle.count)]) == needle { found.append(i) }
            i += 1
        }
        return found
    }

    func testTheRealFileParsesToItsEnd() throws {
        let bytes = try RealModel.resnetBytes()
        let model = try DlibResNetReader.read(bytes: bytes, path: "x")
        XCTAssertEqual(model.units.count, 14)
        // Spec 2.3: the on-input wrapper's version `01 03` ends the run just before 0x121, where the
        // input layer's tag starts; the first con_4 at 0x14E.
        XCTAssertEqual(Array(bytes[0x11F..<0x121]), [0x01, 0x03])
        XCTAssertEqual(tagOffsets("input_rgb_image_sized", in: bytes), [0x121])
        XCTAssertEqual(tagOffsets("con_4", in: bytes).first, 0x14E)
        XCTAssertEqual(tagOffsets("con_4", in: bytes).count, 29)
        XCTAssertEqual(tagOffsets("affine_", in: bytes).count, 29)
        XCTAssertEqual(tagOffsets("relu_", in: bytes).count, 29)
        XCTAssertEqual(tagOffsets("add_prev_", in: bytes).count, 14)
    }

    func testTruncatedFilesAreClearErrors() throws {
        let bytes = try RealModel.resnetBytes()
        var rng = seededGenerator(self)
        var offsets = [0, 1, 2, 5, 0x30, 0x121, 0x14E, 0x14E + 9, bytes.count / 2, bytes.count - 200, bytes.count - 1]
        offsets += (0..<6).map { _ in Int.random(in: 0..<bytes.count, using: &rng) }
        for end in offsets {
            assertCorrupt(Array(bytes[0..<end]), mentions: ["truncated", "\(end) bytes"], "truncated at \(end)")
        }
    }

    func testAlteredTagsNameTheExpectedTag() throws {
        let bytes = try RealModel.resnetBytes()
        let tags = ["loss_metric_2", "input_rgb_image_sized", "con_4", "affine_", "relu_", "max_pool_2", "add_prev_", "avg_pool_2", "fc_2"]
        for tag in tags {
            let offsets = tagOffsets(tag, in: bytes)
            XCTAssertFalse(offsets.isEmpty, tag)
            for offset in [offsets.first!, offsets.last!] {
                var altered = bytes
                altered[offset + 2 + tag.utf8.count - 1] ^= 0x01  // last character of the tag
                assertCorrupt(altered, mentions: ["'\(tag)'", "at byte \(offset)"], "tag \(tag) altered at \(offset)")
            }
        }
    }

    func testAlteredStructureIsAnError() throws {
        let bytes = try RealModel.resnetBytes()
        let con = tagOffsets("con_4", in: bytes)[0] + 7  // first convolution's params tensor
        var cases: [(String, [UInt8], [String])] = []
        var v = bytes; v[0x0C + 2 + 13 + 12 + 1] = 0x07  // a wrapper version in the run (2 → 7)
        cases.append(("a wrapper version", v, ["version"]))
        v = bytes; v[con + 3] = 0x02  // params tensor rows 1216-like count changed: its first dim
        cases.append(("the params tensor shape", v, []))
        v = bytes + [0x00]
        cases.append(("a trailing byte", v, ["1 unexpected bytes follow"]))
        v = bytes; v[0] = 0x02  // loss wrapper version 1 → 2? (0x01 0x01 → 0x02 0x01 is a 2-byte int of the next byte)
        cases.append(("the first byte", v, []))
        for (what, altered, mentions) in cases { assertCorrupt(altered, mentions: mentions, what) }
    }

    func testRandomByteFlipsNeverCrash() throws {
        let bytes = try RealModel.resnetBytes()
        var rng = seededGenerator(self)
        // Flips in the structured head of the file (tags, versions, shapes) and anywhere.
        for _ in 0..<12 {
            var altered = bytes
            let position = Bool.random(using: &rng) ? Int.random(in: 0..<0x400, using: &rng) : Int.random(in: 0..<bytes.count, using: &rng)
            altered[position] ^= UInt8.random(in: 1...255, using: &rng)
            do {
                _ = try DlibResNetReader.read(bytes: altered, path: "x")  // a flip inside weights still parses
            } catch let error as FaceDBError {
                XCTAssertEqual(error.code, .modelCorrupt, "flip at \(position): \(error)")
            }
        }
    }
}
