import FaceDBTestSupport
import Foundation

/// Runs the built `facedb` with `arguments`, writing `input` (when given) to its standard input (a
/// pipe, so the shell runs in script mode), and collects its output and exit status.
func runFacedb(_ arguments: [String], input: String?, environment: [String: String]? = nil) throws -> FacedbRun {
    // A child that stops reading early must not kill the test run with SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    let process = Process()
    process.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdin = Pipe()
    let out = Pipe()
    let err = Pipe()
    if input != nil { process.standardInput = stdin }
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Write and read on separate threads so that no pipe fills up while another is waited on.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let bytes = Data((input ?? "").utf8)
    let writer = Thread {
        guard input != nil else { return }
        // The child may stop reading early (at the first error); a broken pipe is then expected.
        try? stdin.fileHandleForWriting.write(contentsOf: bytes)
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished || !writer.isFinished { usleep(1_000) }
    return FacedbRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errBox.data, as: UTF8.self))
}

/// The JSON objects of JSON Lines output, parsed with `JSONSerialization`.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NSError(domain: "ShellRun", code: 1, userInfo: [NSLocalizedDescriptionKey: "not a JSON object: \(line)"])
        }
        return object
    }
}
