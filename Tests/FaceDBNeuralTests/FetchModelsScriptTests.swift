import FaceDBNeural
import FaceDBTestSupport
import Foundation
import XCTest

/// `Tools/fetch-models` without the network: its idempotent path (needs the model files).
final class FetchModelsScriptTests: XCTestCase {
    private var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/fetch-models").path
    }

    private func run(modelsDirectory: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        var environment = ProcessInfo.processInfo.environment
        environment["FACEDB_MODELS"] = modelsDirectory
        environment["FACEDB_PYTHON"] = "/nonexistent/python"  // the test must never download
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testDoesNothingWhenAllModelsArePresentAndVerified() throws {
        if RealModel.skipRequested { throw XCTSkip("FACEDB_SKIP_MODEL_TESTS=1") }
        let source = ModelDirectory()
        let directory = TemporaryDirectory("fetch")
        for file in ModelFile.allCases {
            try FileManager.default.copyItem(atPath: try source.path(of: file), toPath: directory.path(file.fileName))
        }
        let (status, output) = try run(modelsDirectory: directory.path)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("nothing to do"), output)

        // A corrupt file is noticed; with no way to download, the script says so and fails.
        let path = directory.path(ModelFile.landmarks5.fileName)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[1000] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let (status2, output2) = try run(modelsDirectory: directory.path)
        XCTAssertNotEqual(status2, 0, output2)
        XCTAssertTrue(output2.contains("shape_predictor_5_face_landmarks.dat has the wrong SHA-256"), output2)
        XCTAssertTrue(output2.contains("pip"), output2)
    }
}
