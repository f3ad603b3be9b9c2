import Foundation

/// What the benchmark executables share: timing, progress lines and the process's memory.
public enum BenchmarkClock {
    /// Runs `body` and returns its result with the wall time it took, in seconds.
    public static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Writes `<tool>: <problem>` and `usage` to standard error and exits with status 2 (a bad command line).
    public static func usageError(_ problem: String, usage: String) -> Never {
        let tool = (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent }) ?? "benchmark"
        FileHandle.standardError.write(Data("\(tool): \(problem)\n\(usage)\n".utf8))
        exit(2)
    }

    /// Writes `bench: <text>` to standard error (the tables go to standard output).
    public static func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }

    /// A field of `/proc/self/status` in bytes: `VmRSS` (resident now) or `VmHWM` (peak); 0 if unknown.
    public static func memory(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kib * 1024
    }
}
