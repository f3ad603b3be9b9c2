import FaceDBCore
import Foundation

/// One fuzz target: a function that must return (or throw a ``FaceDBError``) for any input.
struct Harness: Sendable {
    /// The name given on the command line and the corpus directory's name (`Fuzz/Corpus/<name>`).
    let name: String
    /// The largest input libFuzzer generates (`-max_len`).
    let maxLength: Int
    /// Feeds one input through the code under test.
    let body: @Sendable ([UInt8]) throws -> Void

    /// Runs one input. Errors are expected (bad input must give one), but only ``FaceDBError``s,
    /// which say what is wrong; anything else, like a crash, is a finding.
    func run(_ input: [UInt8]) {
        do {
            try body(input)
        } catch let error as FaceDBError {
            if Harness.verbose { print("\(name): \(error.message)") }
        } catch {
            fatalError("\(name): an error that is not a FaceDBError escaped: \(error)")
        }
    }

    static let all: [Harness] = [
        Harness(name: "jpeg", maxLength: 16 << 10, body: ImageHarness.decode),
        Harness(name: "png", maxLength: 32 << 10, body: ImageHarness.decodePNG),
        Harness(name: "npy", maxLength: 8 << 10, body: ImportHarness.npy),
        Harness(name: "fvecs", maxLength: 4 << 10, body: ImportHarness.fvecs),
        Harness(name: "jsonl", maxLength: 8 << 10, body: ImportHarness.jsonLines),
        Harness(name: "csv", maxLength: 8 << 10, body: ImportHarness.csv),
        Harness(name: "labels", maxLength: 4 << 10, body: ImportHarness.labels),
        Harness(name: "shell", maxLength: 512, body: ShellHarness.parse),
        Harness(name: "snapshot", maxLength: 64 << 10, body: SnapshotHarness.parse),
    ]

    /// Whether refused inputs are printed (`FACEDB_FUZZ_VERBOSE=1`), to check what seeds reach.
    static let verbose = ProcessInfo.processInfo.environment["FACEDB_FUZZ_VERBOSE"] != nil

    static func named(_ name: String) -> Harness? { all.first { $0.name == name } }
}

/// Where harnesses that read files put their input: one directory per process, removed at exit.
enum Scratch {
    nonisolated(unsafe) private static var directory: String?

    /// Writes `bytes` to a file named `name` in the scratch directory and returns its path.
    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = directoryPath() + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            fatalError("facedb-fuzz: cannot write \(path)")
        }
        return path
    }

    private static func directoryPath() -> String {
        if let directory { return directory }
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/facedb-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        directory = path
        atexit { if let directory = Scratch.directory { try? FileManager.default.removeItem(atPath: directory) } }
        return path
    }
}
