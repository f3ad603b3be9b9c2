import CBLAS
import Foundation
import Synchronization

/// The process-wide thread policy of the vision engine.
///
/// * OpenBLAS's own thread pool is switched off (`openblas_set_num_threads(1)`, once, when the budget
///   is first used): its threads would compete with ours and with callers that already run several
///   embeddings in parallel, and for the small GEMMs of late layers its start-up costs more than it saves.
/// * Each convolution parallelizes itself over GEMM tiles (the caller's thread plus helpers of
///   `WorkerPool`, `cores − 1` threads of the engine's own) and asks this budget for workers just
///   before it runs. It always gets at least one (its caller's own thread) and at most as many as
///   there are cores not already lent to other convolutions. One caller therefore uses every core;
///   two callers on two cores get one each; the number of busy threads never exceeds
///   max(cores, concurrent callers).
public final class ComputeBudget: Sendable {
    /// The budget shared by every embedder in the process; its size is the number of active cores.
    public static let shared = ComputeBudget(cores: ProcessInfo.processInfo.activeProcessorCount)

    /// The number of cores the budget hands out.
    public let cores: Int
    private let inUse = Mutex(0)

    /// Makes a budget of `cores` cores (and turns OpenBLAS's own threading off).
    public init(cores: Int) {
        self.cores = max(1, cores)
        openblas_set_num_threads(1)
    }

    /// Takes between 1 and `wanted` workers, as many as there are free cores; give them back with ``release(_:)``.
    public func acquire(upTo wanted: Int) -> Int {
        inUse.withLock { used in
            let granted = max(1, min(wanted, cores - used))
            used += granted
            return granted
        }
    }

    /// Returns workers taken with ``acquire(upTo:)``.
    public func release(_ workers: Int) {
        inUse.withLock { $0 -= workers }
    }

    /// Runs `body` with between 1 and `wanted` workers.
    public func withWorkers<T>(upTo wanted: Int, _ body: (Int) throws -> T) rethrows -> T {
        let workers = acquire(upTo: wanted)
        defer { release(workers) }
        return try body(workers)
    }
}
