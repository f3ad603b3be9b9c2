// The bulk-import benchmark (BENCHMARKS.md): a synthetic `.npy` + labels file of N clustered
// embeddings per dimension, imported into a new database with the Flat index through the same
// code path as `facedb import`. In the same run: reading and checking the file alone (the
// import's floor) and the export of the result to `.npy`.
//
// With `--encryption`: instead, the import and the open (index snapshot loaded) of a database
// without and with encryption at rest, in two alternating pairs (plain, encrypted; encrypted, plain).
//
// With `--memory`: instead, `facedb import` (the executable built next to this one) imports the
// file in a child process, whose peak RSS (wait4's ru_maxrss, closing and its snapshot included) is
// compared with the size of the Flat index it built; and the cost of recognising the file for
// resuming (hashing it again) is timed.
//
//   swift run -c release facedb-import-bench [--count 1000000] [--dims 128,512] [--memory | --encryption]
import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import Foundation

var count = 1_000_000
var dimensions = [128, 512]
var memory = false
var encryption = false
let usage = "usage: facedb-import-bench [--count N] [--dims 128,512] [--memory | --encryption]"
/// Prints what is wrong and the usage to stderr, and exits with status 2.
func usageError(_ problem: String) -> Never { BenchmarkClock.usageError(problem, usage: usage) }
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    if flag == "-h" || flag == "--help" {
        print(usage)
        exit(0)
    }
    if flag == "--memory" {
        memory = true
        continue
    }
    if flag == "--encryption" {
        encryption = true
        continue
    }
    guard let value = arguments.next() else { usageError("\(flag) needs a value") }
    switch flag {
    case "--count":
        guard let n = Int(value), n > 0 else { usageError("--count takes a positive whole number") }
        count = n
    case "--dims":
        let dims = value.split(separator: ",").map { Int($0) }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
            usageError("--dims takes positive whole numbers separated by commas, e.g. 128,512")
        }
        dimensions = dims.map { $0! }
    default: usageError("unknown option \(flag)")
    }
}

func log(_ text: String) { BenchmarkClock.log(text) }
func time<T>(_ body: () throws -> T) rethrows -> (T, Double) { try BenchmarkClock.time(body) }
func peakMemory() -> String { String(format: "%.0f MiB", Double(BenchmarkClock.memory("VmHWM")) / 1_048_576) }

/// Runs `facedb import DATABASE NPY --labels LABELS --quiet` in a child process; its peak RSS in
/// bytes (wait4's ru_maxrss) and its wall time.
func importInChild(database: String, npy: String, labels: String) -> (peak: Int, seconds: Double) {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("facedb").path
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        usageError("--memory needs the facedb executable next to this one: swift build -c release --product facedb")
    }
    let arguments = [executable, "import", database, npy, "--labels", labels, "--quiet"]
    var argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let started = Date()
    guard posix_spawn(&pid, executable, nil, nil, &argv, environ) == 0 else { fatalError("cannot start \(executable)") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    precondition(status == 0, "facedb import failed (status \(status))")
    return (Int(usage.ru_maxrss) * 1024, Date().timeIntervalSince(started))
}

if encryption {
    print("| dim | rows | pair | database | import (Flat) | open (snapshot loaded) | size on disk |")
    print("|---:|---:|---:|---|---:|---:|---:|")
} else if memory {
    print(
        "| dim | rows | Flat index (snapshot file) | `facedb import` + close: peak RSS | peak / index | import + close | resume check: re-hash of the files | XXH64 in memory |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
} else {
    print("| dim | rows | read+check only | import (Flat) | import / read | export .npy | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
}
for dimension in dimensions {
    let directory = TemporaryDirectory("import-bench")
    let npy = directory.path("faces.npy")
    let labels = directory.path("labels.txt")
    // The file: written in chunks so that generating it takes little memory.
    do {
        let identities = max(count / 10, 1)
        var rng = SeededGenerator(seed: 42)
        let data = SyntheticEmbeddings(dimension: dimension, identities: identities, generator: &rng)
        var writer = try NpyWriter(path: npy, dimension: dimension)
        var names = ""
        let chunk = 50_000
        for start in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - start)
            let (vectors, owners) = data.faces(count: n, generator: &rng)
            for i in 0..<n {
                try writer.write(
                    ImportRow(
                        row: start + i + 1, identity: "person-\(owners[i])",
                        embedding: Array(vectors[(i * dimension)..<((i + 1) * dimension)])))
                names += "person-\(owners[i])\n"
            }
        }
        _ = try writer.finish()
        try names.write(toFile: labels, atomically: false, encoding: .utf8)
        log("wrote \(count) × \(dimension) to \(npy)")
    }
    let space = EmbeddingSpace(model: "synthetic", dimension: dimension, metric: .l2)
    if memory {
        let path = directory.path("child.facedb")
        try FaceDatabase.create(at: path, space: space, index: .flat, options: DatabaseOptions(logger: DatabaseOptions.silentLogger)).close()
        let (peak, seconds) = importInChild(database: path, npy: npy, labels: labels)
        let indexBytes = try FileManager.default.attributesOfItem(atPath: path + "/index.snapshot")[.size] as! Int
        // Recognising an appended file re-hashes the prefixes an earlier import consumed: here, the
        // whole file and labels (a mark whose first 4 KiB match but whose hash does not).
        let key = try EmbeddingFiles.resumeKey(path: npy, labels: labels)
        var files: [FilePrefix] = []
        for file in [npy, labels] {
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
            let head = try [UInt8](FileHandle(forReadingFrom: URL(fileURLWithPath: file)).read(upToCount: FilePrefix.headLength) ?? Data())
            files.append(FilePrefix(bytes: size, headHash: XXHash64.hash(head), hash: 0))
        }
        let (match, checkSeconds) = try time { try key.longestMatch(among: [ImportMark(key: "bench", rows: count, files: files)]) }
        precondition(match == nil)
        let checkedBytes = files.reduce(0) { $0 + $1.bytes }
        let buffer = [UInt8](repeating: 7, count: 256 << 20)
        let (_, hashSeconds) = time { XXHash64.hash(buffer) }
        print(
            String(
                format: "| %d | %d | %.0f MiB | %.0f MiB | %.2f× | %.1f s | %.2f s (%.0f MiB, %.2f GB/s) | %.2f GB/s |",
                dimension, count, Double(indexBytes) / 1_048_576, Double(peak) / 1_048_576, Double(peak) / Double(indexBytes),
                seconds, checkSeconds, Double(checkedBytes) / 1_048_576, Double(checkedBytes) / checkSeconds / 1e9,
                Double(buffer.count) / hashSeconds / 1e9))
        continue
    }
    if encryption {
        for pair in 1...2 {
            for encrypted in pair == 1 ? [false, true] : [true, false] {
                let path = directory.path("\(encrypted ? "encrypted" : "plain")-\(pair).facedb")
                let options = DatabaseOptions(logger: DatabaseOptions.silentLogger, key: encrypted ? EncryptionKey.random() : nil)
                let db = try FaceDatabase.create(at: path, space: space, index: .flat, options: options)
                let (summary, importSeconds) = try time {
                    try db.importEmbeddings(
                        from: try EmbeddingFiles.open(path: npy, labels: labels),
                        options: ImportOptions(resumeKey: try EmbeddingFiles.resumeKey(path: npy, labels: labels)))
                }
                precondition(summary.stored == count, "stored \(summary.stored) of \(count)")
                try db.close()
                let (reopened, openSeconds) = try time { try FaceDatabase.open(at: path, options: options) }
                precondition(reopened.faceCount == count && reopened.isEncrypted == encrypted)
                let size = try reopened.stats().sizeOnDisk
                try reopened.close()
                print(
                    String(
                        format: "| %d | %d | %d | %@ | %.0f rows/s | %.2f s | %.0f MiB |", dimension, count, pair, encrypted ? "encrypted" : "plain",
                        Double(count) / importSeconds, openSeconds, Double(size) / 1_048_576))
                try FileManager.default.removeItem(atPath: path)
            }
        }
        continue
    }
    // Reading and checking alone.
    let validator = RowValidator(space: space)
    let (valid, readSeconds) = try time { () -> Int in
        var source = try EmbeddingFiles.open(path: npy, labels: labels)
        var valid = 0
        while let item = try source.next() {
            if case .row(let row) = item, case .row = validator.validate(row) { valid += 1 }
        }
        return valid
    }
    precondition(valid == count, "the generated file has \(count - valid) invalid rows")
    // The import.
    let path = directory.path("bench.facedb")
    let db = try FaceDatabase.create(at: path, space: space, index: .flat, options: DatabaseOptions(logger: DatabaseOptions.silentLogger))
    let (summary, importSeconds) = try time {
        try db.importEmbeddings(
            from: try EmbeddingFiles.open(path: npy, labels: labels),
            options: ImportOptions(resumeKey: try EmbeddingFiles.resumeKey(path: npy, labels: labels)))
    }
    precondition(summary.stored == count, "stored \(summary.stored) of \(count)")
    let (_, exportSeconds) = try time { try db.export(format: .npy, to: directory.path("export.npy")) }
    try db.close()
    let readRate = Double(count) / readSeconds
    let importRate = Double(count) / importSeconds
    print(
        String(
            format: "| %d | %d | %.0f rows/s | %.0f rows/s | %.2f× | %.0f rows/s | %@ |", dimension, count, readRate, importRate,
            readRate / importRate, Double(count) / exportSeconds, peakMemory()))
}
