import FaceDBTestSupport
import Foundation

/// What a run of the built `facedb` binary printed and returned.
struct FacedbRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `facedb` with `arguments` and collects its output and exit status.
func runFacedb(_ arguments: [String]) throws -> FacedbRun {
    let process = Process()
    process.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb")
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so a full stderr pipe cannot block the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1_000) }
    return FacedbRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errBox.data, as: UTF8.self))
}
