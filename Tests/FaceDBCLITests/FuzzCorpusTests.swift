import FaceDBTestSupport
import Foundation
import XCTest

/// The committed fuzz corpus (`Fuzz/Corpus/<harness>`: seeds and the inputs of crashes once found)
/// replayed through the harnesses of a plain build (`facedb-fuzz HARNESS DIRECTORY`, no libFuzzer):
/// every input must be refused with an error or accepted, never crash.
final class FuzzCorpusTests: XCTestCase {
    func testEveryCorpusInputReplaysWithoutCrashing() throws {
        let binary = CrashTestData.productsDirectory.appendingPathComponent("facedb-fuzz")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("facedb-fuzz is not built (swift build --build-tests builds it)")
        }
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus")
        let harnesses = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        XCTAssertEqual(Set(harnesses), ["csv", "fvecs", "jpeg", "jsonl", "labels", "npy", "png", "shell", "snapshot"])
        for harness in harnesses {
            let process = Process()
            process.executableURL = binary
            process.arguments = [harness, corpus.appendingPathComponent(harness).path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .exit, "\(harness) crashed: \(output)")
            XCTAssertEqual(process.terminationStatus, 0, "\(harness): \(output)")
            XCTAssertTrue(output.contains("\(harness): replayed"), "\(harness): \(output)")
        }
    }
}
