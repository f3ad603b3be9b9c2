import Foundation

/// What a run of the built `facedb` binary printed and returned.
public struct FacedbRun: Sendable {
    /// The exit status (or the signal, when ``wasSignalled``).
    public var status: Int32
    /// Everything it wrote to standard output.
    public var stdout: String
    /// Everything it wrote to standard error.
    public var stderr: String
    /// Whether it ended by a signal (an abort is 6) rather than by exiting.
    public var wasSignalled = false

    /// Makes a result.
    public init(status: Int32, stdout: String, stderr: String, wasSignalled: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.wasSignalled = wasSignalled
    }
}

/// Runs the built `facedb` with `arguments` and collects its output and exit status (standard input
/// is left as the test's).
public func runFacedb(_ arguments: [String]) throws -> FacedbRun {
    try runFacedb(arguments, input: nil)
}

/// Runs the built `facedb` with `arguments`, writing `input` (when given) to its standard input (a
/// pipe, so the shell runs in script mode), and collects its output and exit status.
public func runFacedb(_ arguments: [String], input: String?, environment: [String: String]? = nil) throws -> FacedbRun {
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
    return FacedbRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errBox.data, as: UTF8.self),
        wasSignalled: process.terminationReason == .uncaughtSignal)
}
