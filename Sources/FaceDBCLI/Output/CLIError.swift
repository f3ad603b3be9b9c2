import ArgumentParser
import FaceDBCore
import Foundation

/// Turns a ``FaceDBError`` into a message on standard error and a non-zero exit code.
enum CLIError {
    /// Exit code for a FaceDB error.
    static let failure: Int32 = 1

    /// Runs `body`; a FaceDB error is printed as `error: message remedy` and exits with 1.
    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FaceDBError {
            var text = "error: \(error.message)"
            if let remedy = error.remedy { text += "\n  \(remedy)" }
            if let cause = error.cause { text += "\n  cause: \(cause)" }
            HumanText.warn(text)
            throw ExitCode(failure)
        }
    }
}
