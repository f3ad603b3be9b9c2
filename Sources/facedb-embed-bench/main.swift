// facedb-embed-bench: embeddings per second of the dlib ResNet face embedder for batches of 1, 8
// and 64 chips, and the process's peak memory (VmHWM).
//
//   swift build -c release && .build/release/facedb-embed-bench [--chips DIR] [--seconds S] [--callers N]
//
// Chips are the raw 150×150 RGB files (*.rgb) in DIR (default: the test fixtures), cycled to fill
// each batch. The model comes from the models directory (Tools/fetch-models). With --callers N, N
// threads embed concurrently (batch 1), to show the shared thread budget at work.
import FaceDBCore
import FaceDBNeural
import Foundation

struct Options {
    var chips = "Tests/FaceDBNeuralTests/Fixtures"
    var seconds = 3.0
    var callers = 1
    var batches = [1, 8, 64]
}

func parseOptions() -> Options {
    var options = Options()
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let arg = args.next() {
        switch arg {
        case "--chips": options.chips = args.next() ?? options.chips
        case "--seconds": options.seconds = Double(args.next() ?? "") ?? options.seconds
        case "--callers": options.callers = max(1, Int(args.next() ?? "") ?? 1)
        case "--batches": options.batches = (args.next() ?? "").split(separator: ",").compactMap { Int($0) }
        case "-h", "--help":
            print("usage: facedb-embed-bench [--chips DIR] [--seconds S] [--callers N] [--batches 1,8,64]")
            exit(0)
        default:
            FileHandle.standardError.write("facedb-embed-bench: unknown argument \(arg)\n".data(using: .utf8)!)
            exit(2)
        }
    }
    return options
}

func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kib / 1024
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// User + system CPU seconds of the whole process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

let options = parseOptions()
do {
    let files = try FileManager.default.contentsOfDirectory(atPath: options.chips).filter { $0.hasSuffix(".rgb") }.sorted()
    guard !files.isEmpty else {
        throw FaceDBError(.invalidArgument, "No *.rgb chips in \(options.chips).", remedy: "Pass --chips DIR with 150×150 raw RGB files.")
    }
    let chips = try files.map { name in
        try RGBImage(width: 150, height: 150, pixels: [UInt8](try Data(contentsOf: URL(fileURLWithPath: options.chips + "/" + name))))
    }
    let loadStart = now()
    let embedder = try FaceEmbedder()
    print(
        String(
            format: "model loaded and verified in %.2f s; %d chips from %@; %d cores; %d caller thread(s)",
            now() - loadStart, chips.count, options.chips, ProcessInfo.processInfo.activeProcessorCount, options.callers))
    for batchSize in options.batches {
        let batch = (0..<batchSize).map { chips[$0 % chips.count] }
        _ = try embedder.descriptors(for: batch)  // warm-up: workspaces, BLAS buffers
        let counter = Counter()
        let cpuStart = cpuSeconds()
        let start = now()
        DispatchQueue.concurrentPerform(iterations: options.callers) { _ in
            while now() - start < options.seconds {
                _ = try! embedder.descriptors(for: batch)
                counter.add(batchSize)
            }
        }
        let elapsed = now() - start
        let cpu = cpuSeconds() - cpuStart
        print(
            String(
                format: "batch %3d: %8.1f embeddings/s  (%d embeddings in %.2f s; %.1f ms CPU each, %.2f cores busy)  peak memory %.0f MiB",
                batchSize, Double(counter.value) / elapsed, counter.value, elapsed,
                1000 * cpu / Double(counter.value), cpu / elapsed, peakMemoryMiB()))
    }
    print(String(format: "peak memory (VmHWM): %.0f MiB", peakMemoryMiB()))
} catch {
    FileHandle.standardError.write("facedb-embed-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
