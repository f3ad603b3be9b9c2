import ArgumentParser
import FaceDBCore
import Foundation

/// `--force`, shared by every command that writes files, and the checks of its output paths.
///
/// Every output path passes ``OutputPathGuard`` before anything is written: a directory, a symbolic
/// link, a path inside a database, or one of the command's inputs is always refused; an existing
/// regular file only without `--force`. A default rejects file left by an earlier run of FaceDB
/// (recognized by its first line) is replaced without `--force`, so that re-running a command works.
struct OutputOptions: ParsableArguments {
    @Flag(
        help:
            "Allow replacing an existing regular file at an output path. Never allows a directory, a symbolic link, a file inside a database, or one of the command's inputs."
    )
    var force = false

    /// The guard for a command with these inputs and databases.
    func paths(inputs: [String] = [], databases: [String] = []) -> OutputPathGuard {
        OutputPathGuard(inputs: inputs, databases: databases, force: force)
    }

    /// Whether the file at `path` is a rejects file FaceDB wrote: empty, or its first line is an
    /// object with exactly the keys of an import's rejected row (`row`, `reason`) or of an enrolment's
    /// refused photo (`identity`, `issues`, `path`). A missing or unreadable file is not.
    static func isEarlierRejectsFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 16)) ?? Data()
        if head.isEmpty { return true }
        guard let end = head.firstIndex(of: 0x0A) else { return false }
        guard let object = try? JSONSerialization.jsonObject(with: head[..<end]) as? [String: Any] else { return false }
        let keys = Set(object.keys)
        return keys == ["row", "reason"] || keys == ["identity", "issues", "path"]
    }
}
