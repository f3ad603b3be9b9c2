import FaceDBTestSupport
import Foundation

/// What a run of the built `facedb` binary printed and returned.
struct FacedbRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `facedb` with `arguments` and collects its output and exit status (standard input
/// is left as the test's; see `runFacedb(_:input:environment:)` in ShellRun.swift to feed it).
func runFacedb(_ arguments: [String]) throws -> FacedbRun {
    try runFacedb(arguments, input: nil)
}
