import FaceDBCore
import FaceDBNeural
import FaceDBTestSupport
import Foundation
import XCTest

/// Where models are looked for, and the errors when they are missing or corrupt.
final class ModelDirectoryTests: XCTestCase {
    func testResolvesLikeTheFetchScript() {
        XCTAssertEqual(ModelDirectory(environment: ["FACEDB_MODELS": "/m", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path, "/m")
        XCTAssertEqual(ModelDirectory(environment: ["FACEDB_MODELS": "", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path, "/x/facedb/models")
        XCTAssertEqual(ModelDirectory(environment: ["XDG_CACHE_HOME": "", "HOME": "/h"]).path, "/h/.cache/facedb/models")
        XCTAssertEqual(
            ModelDirectory(environment: ["HOME": "/h"]).expectedPath(of: .faceEmbedder),
            "/h/.cache/facedb/models/dlib_face_recognition_resnet_model_v1.dat")
    }

    func testTheFetchScriptResolvesTheSameDirectory() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/fetch-models")
        let text = try String(contentsOf: script, encoding: .utf8)
        XCTAssertTrue(text.contains(#"models_dir="${FACEDB_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/facedb/models}""#))
        for file in ModelFile.allCases {
            XCTAssertTrue(text.contains("\(file.fileName) \(file.sha256)"), "\(file) checksum in Tools/fetch-models")
        }
    }

    func testMissingModelNamesFileLocationAndFetchCommand() {
        let directory = TemporaryDirectory("models")
        for make in [
            { _ = try FaceEmbedder(modelDirectory: ModelDirectory(path: directory.path)) },
            { _ = try ModelDirectory(path: directory.path).path(of: .faceEmbedder) },
        ] {
            XCTAssertThrowsError(try make()) { error in
                let error = error as! FaceDBError
                XCTAssertEqual(error.code, .modelMissing)
                XCTAssertEqual(error.path, directory.path("dlib_face_recognition_resnet_model_v1.dat"))
                XCTAssertTrue(error.description.contains("dlib_face_recognition_resnet_model_v1.dat"), error.description)
                XCTAssertTrue(error.description.contains(directory.path), error.description)
                XCTAssertTrue(error.description.contains("Tools/fetch-models"), error.description)
            }
        }
    }

    func testWrongSizeAndWrongChecksumAreCorrupt() throws {
        let real = try RealModel.resnetBytes()
        let directory = TemporaryDirectory("models")
        let path = directory.path(ModelFile.faceEmbedder.fileName)
        let models = ModelDirectory(path: directory.path)

        try Data(real.dropLast(10)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try models.path(of: .faceEmbedder)) { error in
            let error = error as! FaceDBError
            XCTAssertEqual(error.code, .modelCorrupt)
            XCTAssertTrue(error.description.contains("22466056 bytes instead of 22466066"), error.description)
            XCTAssertTrue(error.description.contains("Tools/fetch-models"), error.description)
        }

        var altered = real
        altered[real.count / 3] ^= 0x40  // inside the weights: the parser cannot see it, the checksum does
        try Data(altered).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try models.path(of: .faceEmbedder, verifyChecksum: false), path)
        XCTAssertThrowsError(try FaceEmbedder(modelDirectory: models)) { error in
            let error = error as! FaceDBError
            XCTAssertEqual(error.code, .modelCorrupt)
            XCTAssertTrue(error.description.contains("SHA-256"), error.description)
            XCTAssertTrue(error.description.contains(path), error.description)
        }

        try Data(real).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try models.path(of: .faceEmbedder, verifyChecksum: false), path)
    }

    func testWrongChipSizeIsAnArgumentError() throws {
        let embedder = FaceEmbedder(model: try RealModel.resnet())
        let chip = try RGBImage(width: 149, height: 150, pixels: [UInt8](repeating: 0, count: 149 * 150 * 3))
        XCTAssertThrowsError(try embedder.descriptor(for: chip)) { error in
            XCTAssertEqual((error as! FaceDBError).code, .invalidArgument)
        }
        XCTAssertThrowsError(try RGBImage(width: 2, height: 2, pixels: [1, 2, 3]))
    }
}
