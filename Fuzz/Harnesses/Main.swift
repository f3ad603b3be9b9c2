import Foundation

// The fuzz harnesses' entry point. One executable holds every harness; the first argument names it.
//
// Built by `Tools/fuzz` with libFuzzer (`-sanitize=fuzzer,address -D FACEDB_FUZZING`):
//     facedb-fuzz NAME [libFuzzer options] [corpus directories]
// Built normally (`swift build`), it replays inputs without libFuzzer, so the committed corpus is
// also a plain regression run:
//     facedb-fuzz NAME FILE|DIRECTORY...
// Both builds:
//     facedb-fuzz --list                 the harnesses and their -max_len, one per line
//     facedb-fuzz --make-seeds DIRECTORY  writes the generated seeds (Fuzz/Corpus/<harness>/gen-*)

#if FACEDB_FUZZING
    /// libFuzzer's driver, called from our own `main` (SwiftPM links executables with their module's
    /// main, so libFuzzer's `main` cannot be used).
    @_extern(c, "LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// The harness chosen on the command line (set once, before libFuzzer starts).
    nonisolated(unsafe) var selectedHarness: Harness?

    /// libFuzzer's callback (also exported under its usual name, for tools that look for it).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        selectedHarness?.run(bytes)
        return 0
    }
#endif

@main
enum FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        switch arguments[1] {
        case "--list":
            for harness in Harness.all { print("\(harness.name) \(harness.maxLength)") }
            return
        case "--make-seeds":
            guard arguments.count == 3 else { usage() }
            do {
                try Seeds.write(to: arguments[2])
            } catch {
                FileHandle.standardError.write(Data("facedb-fuzz: \(error)\n".utf8))
                exit(1)
            }
            return
        default:
            break
        }
        guard let harness = Harness.named(arguments[1]) else {
            FileHandle.standardError.write(Data("facedb-fuzz: no harness '\(arguments[1])'\n".utf8))
            usage()
        }
        #if FACEDB_FUZZING
            selectedHarness = harness
            // libFuzzer sees the program name and everything after the harness's name.
            var argc = CommandLine.argc - 1
            let argvCopy = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: Int(argc) + 1)
            argvCopy[0] = CommandLine.unsafeArgv[0]
            for i in 1..<Int(argc + 1) { argvCopy[i] = CommandLine.unsafeArgv[i + 1] }
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argvCopy
            exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) })
        #else
            replay(harness, paths: Array(arguments.dropFirst(2)))
        #endif
    }

    /// Runs every file under `paths` through `harness` once; a crash ends the process.
    static func replay(_ harness: Harness, paths: [String]) {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("facedb-fuzz: \(path) does not exist\n".utf8))
                exit(1)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            harness.run(Array(data.prefix(harness.maxLength)))
        }
        print("\(harness.name): replayed \(files.count) inputs")
    }

    static func usage() -> Never {
        FileHandle.standardError.write(
            Data(
                """
                usage: facedb-fuzz NAME [libFuzzer options | inputs...]
                       facedb-fuzz --list
                       facedb-fuzz --make-seeds DIRECTORY
                harnesses: \(Harness.all.map(\.name).joined(separator: " "))

                """.utf8))
        exit(2)
    }
}
