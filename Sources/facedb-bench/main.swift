// The core benchmark (BENCHMARKS.md): insert rate, open time, search latency and recall for the
// index kinds, each next to the same index searched through FAISS alone (our C shim, no store, no
// Swift layer on top; for IVF-PQ the same IndexRefineFlat, exact re-scoring included) in the same
// run, interleaved query by query (which of the two searches a probe first alternates). IVF-PQ also gets a row for FAISS's bare IVF-PQ (the codes alone,
// no re-scoring), to show what refinement costs and gains. HNSW is built with the automatic
// efSearch (tuned to recall@10 0.98 on stored faces), then swept over explicit values.
//
//   swift run -c release facedb-bench [--count 1000000] [--dim 128] [--queries 200] [--phases all|insert|add]
//                                     [--snapshot-after N]
import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBIndex
import FaceDBTestSupport
import Foundation

var count = 1_000_000
var dimension = 128
var queryCount = 200
/// `--phases insert` stops after the insert and open measurements, `add` after `addFaces` (for profiling).
var phases = "all"
/// ``DatabaseOptions/snapshotAfterChanges`` of the benchmark's databases.
var snapshotAfter = DatabaseOptions().snapshotAfterChanges
let usage = "usage: facedb-bench [--count N] [--dim D] [--queries Q] [--phases all|insert|add] [--snapshot-after N]"
/// Prints what is wrong and the usage to stderr, and exits with status 2.
func usageError(_ problem: String) -> Never { BenchmarkClock.usageError(problem, usage: usage) }
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    switch flag {
    case "-h", "--help":
        print(usage)
        exit(0)
    case "--phases":
        guard let value = arguments.next(), ["all", "insert", "add"].contains(value) else {
            usageError("--phases takes all, insert or add")
        }
        phases = value
        continue
    case "--count", "--dim", "--queries", "--snapshot-after": break
    default: usageError("unknown option \(flag)")
    }
    guard let value = arguments.next().flatMap(Int.init), value > 0 else {
        usageError("\(flag) takes a positive whole number")
    }
    switch flag {
    case "--count": count = value
    case "--dim": dimension = value
    case "--queries": queryCount = value
    default: snapshotAfter = value
    }
}

func log(_ text: String) { BenchmarkClock.log(text) }
func time<T>(_ body: () throws -> T) rethrows -> (T, Double) { try BenchmarkClock.time(body) }
func residentMemory() -> Int { BenchmarkClock.memory("VmRSS") }
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
let mib = { (bytes: Int) in String(format: "%.0f MiB", Double(bytes) / 1_048_576) }

// MARK: data
let identities = max(count / 10, 1)
var rng = SeededGenerator(seed: 42)
let data = SyntheticEmbeddings(dimension: dimension, identities: identities, generator: &rng)
let (vectors, owners) = data.faces(count: count, generator: &rng)
let queries = (0..<queryCount).map { _ in data.face(of: Int(rng.next() % UInt64(identities)), generator: &rng) }
log("generated \(count) × \(dimension) vectors, \(identities) identities, \(queryCount) queries")

let directory = TemporaryDirectory("bench")
/// Removes the benchmark's databases (a global's deinit never runs) and exits.
func finish() -> Never {
    try? FileManager.default.removeItem(atPath: directory.path)
    exit(0)
}
let path = directory.path("bench.facedb")
let quiet = DatabaseOptions(snapshotAfterChanges: snapshotAfter, logger: DatabaseOptions.silentLogger)
let space = EmbeddingSpace(model: "synthetic", dimension: dimension, metric: .l2)

// MARK: insert (Flat)
var db = try FaceDatabase.create(at: path, space: space, index: .flat, options: quiet)
let batchSize = 10_000
// The batches are built before the clock starts: the rate is the database's, not the caller's.
let batches = stride(from: 0, to: count, by: batchSize).map { start in
    (start..<min(start + batchSize, count)).map { i in
        NewFace(identity: "person-\(owners[i])", embedding: Array(vectors[(i * dimension)..<((i + 1) * dimension)]))
    }
}
let (_, insertSeconds) = try time {
    var inserted = 0
    for faces in batches {
        try db.addFaces(faces, createMissingIdentities: true)
        inserted += faces.count
        if (inserted / batchSize) % 10 == 0 { log("inserted \(inserted)") }
    }
}
let (_, closeSeconds) = try time { try db.close() }
log(String(format: "insert %.0f rows/s", Double(count) / insertSeconds))

/// The CPU time RocksDB's compactions took in the store at `databasePath` since it was last opened:
/// the sum of `compaction_time_cpu_micros` over the `compaction_finished` events of its `LOG`.
func compactionCPUSeconds(databasePath: String) -> Double {
    guard let log = try? String(contentsOfFile: databasePath + "/store/LOG", encoding: .utf8) else { return .nan }
    let field = "\"compaction_time_cpu_micros\": "
    var micros = 0
    for line in log.split(separator: "\n") where line.contains("\"compaction_finished\"") {
        guard let start = line.range(of: field)?.upperBound else { continue }
        micros += Int(line[start...].prefix { $0.isNumber }) ?? 0
    }
    return Double(micros) / 1e6
}
if phases == "add" {
    print(
        String(
            format: "addFaces %.0f rows/s, close %.2f s, compaction CPU %.2f s",
            Double(count) / insertSeconds, closeSeconds, compactionCPUSeconds(databasePath: path)))
    finish()
}

// MARK: insert through the bulk import (the file reader replaced by the generated rows)
/// The generated faces as an import source, so the import path is measured without file parsing.
struct GeneratedRows: EmbeddingSource {
    let vectors: [Float]
    let owners: [Int]
    let dimension_: Int
    var position = 0
    var dimension: Int? { dimension_ }
    var totalRows: Int? { owners.count }
    var bytesRead: Int { position * dimension_ * 4 }
    var totalBytes: Int? { owners.count * dimension_ * 4 }
    mutating func next() throws -> ImportItem? {
        guard position < owners.count else { return nil }
        defer { position += 1 }
        return .row(
            ImportRow(
                row: position + 1, identity: "person-\(owners[position])",
                embedding: Array(vectors[(position * dimension_)..<((position + 1) * dimension_)])))
    }
}
let importPath = directory.path("import.facedb")
let importDB = try FaceDatabase.create(at: importPath, space: space, index: .flat, options: quiet)
let (_, importSeconds) = try time { try importDB.importEmbeddings(from: GeneratedRows(vectors: vectors, owners: owners, dimension_: dimension)) }
try importDB.close()
try FileManager.default.removeItem(atPath: importPath)
log(String(format: "bulk import %.0f rows/s", Double(count) / importSeconds))

// MARK: open
var openWithSnapshot = 0.0
(db, openWithSnapshot) = try time { try FaceDatabase.open(at: path, options: quiet) }
try db.close()
try FileManager.default.removeItem(atPath: path + "/index.snapshot")
var openRebuild = 0.0
(db, openRebuild) = try time { try FaceDatabase.open(at: path, options: quiet) }

if phases == "insert" {
    try db.close()
    print(
        String(
            format: "insert %.0f rows/s (addFaces), %.0f rows/s (importEmbeddings), close %.2f s, open with snapshot %.2f s, open rebuilding %.2f s",
            Double(count) / insertSeconds, Double(count) / importSeconds, closeSeconds, openWithSnapshot, openRebuild))
    finish()
}

// MARK: search
/// One table row. `p50`/`p99`/`recall` are FaceDB's; nil for a FAISS-only row (bare IVF-PQ).
struct Row {
    var kind: String
    var build: Double
    var p50: Double?, p99: Double?, rawP50: Double, rawP99: Double
    var recall: Double?, rawRecall: Double
}
var rows: [Row] = []
var truth: [[Int64]] = []

/// Searches every query through FaceDB and through the shim (the same index), interleaved; for
/// IVF-PQ also through the shim's bare IVF-PQ (no re-scoring), added as a row of its own.
@MainActor func measure(_ name: String, build: Double, bare: String? = nil) throws {
    var ours: [Double] = []
    var raw: [Double] = []
    var unrefined: [Double] = []
    var found = 0
    var rawFound = 0
    var unrefinedFound = 0
    let index = db.vectorIndex
    for (q, probe) in queries.enumerated() {
        // The second search of a probe finds the index's nodes and vectors it visits in the cache,
        // warmed by the first: alternate which side goes first, so that neither gets that advantage.
        var hits: [FaceMatch] = [], t = 0.0, rawHits: [[IndexHit]] = [], rt = 0.0
        if q % 2 == 0 {
            (hits, t) = try time { try db.search(probe, k: 10) }
            (rawHits, rt) = try time { try index.search(probe, k: 10) }
        } else {
            (rawHits, rt) = try time { try index.search(probe, k: 10) }
            (hits, t) = try time { try db.search(probe, k: 10) }
        }
        ours.append(t)
        raw.append(rt)
        let ids = hits.map(\.faceID.rawValue)
        if truth.count <= q { truth.append(ids) }
        found += Set(ids).intersection(truth[q]).count
        rawFound += Set(rawHits[0].map(\.id)).intersection(truth[q]).count
        if bare != nil {
            let (bareHits, bt) = try time { try index.searchWithoutRefinement(probe, k: 10) }
            unrefined.append(bt)
            unrefinedFound += Set(bareHits[0].map(\.id)).intersection(truth[q]).count
        }
    }
    let answers = Double(queries.count * 10)
    let row = Row(
        kind: name, build: build, p50: percentile(ours, 0.5), p99: percentile(ours, 0.99),
        rawP50: percentile(raw, 0.5), rawP99: percentile(raw, 0.99),
        recall: Double(found) / answers, rawRecall: Double(rawFound) / answers)
    rows.append(row)
    log(String(format: "%@: p50 %.3f ms (FAISS alone %.3f ms), recall@10 %.3f", name, row.p50! * 1000, row.rawP50 * 1000, row.recall!))
    if let bare {
        let bareRow = Row(
            kind: bare, build: 0, p50: nil, p99: nil, rawP50: percentile(unrefined, 0.5),
            rawP99: percentile(unrefined, 0.99), recall: nil, rawRecall: Double(unrefinedFound) / answers)
        rows.append(bareRow)
        log(String(format: "%@: p50 %.3f ms, recall@10 %.3f", bare, bareRow.rawP50 * 1000, bareRow.rawRecall))
    }
}

try measure("Flat", build: 0)
// The default HNSW configuration: efSearch tuned automatically (recall@10 0.98 on stored faces).
let hnsw = IndexConfiguration(kind: .hnsw, hnswM: 32)
let (_, hnswBuild) = try time { try db.reindex(hnsw) { done, total in if done % 100_000 == 0 { log("hnsw \(done)/\(total)") } } }
let tuning = try db.stats().efSearchTuning
if let tuning {
    log(
        String(
            format: "tuned efSearch %d: recall@10 %.3f ± %.3f on %d stored faces (target %.2f), %.1f s",
            tuning.efSearch, tuning.recall, tuning.margin, tuning.sampleSize, tuning.target, tuning.seconds))
}
let tunedEf = tuning?.efSearch ?? hnsw.efSearch
try measure("HNSW32 (efSearch \(tunedEf), tuned)", build: hnswBuild)
// Explicit efSearch values only steer the search: these reuse the graph (no rebuild).
for ef in [64, 128, 256, 512] {
    try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 32, efSearch: ef))
    try measure("HNSW32 (efSearch \(ef))", build: 0)
}
let hnswMemory = residentMemory()
let ivfpq = IndexConfiguration(kind: .ivfpq, nlist: 1024, nprobe: 32, pqM: 16)
let (_, ivfpqBuild) = try time { try db.reindex(ivfpq) }
let ivfpqMemory = try db.stats().indexMemory
let refine = IndexConfiguration.ivfpqRefineFactor
try measure(
    "IVF1024,PQ16 + exact re-scoring of \(refine)×k (nprobe 32)", build: ivfpqBuild,
    bare: "IVF1024,PQ16 bare, no re-scoring (nprobe 32)")
for nprobe in [64, 128] {
    try db.reindex(IndexConfiguration(kind: .ivfpq, nlist: 1024, nprobe: nprobe, pqM: 16))
    try measure(
        "IVF1024,PQ16 + exact re-scoring of \(refine)×k (nprobe \(nprobe))", build: 0,
        bare: "IVF1024,PQ16 bare, no re-scoring (nprobe \(nprobe))")
}
let stats = try db.stats()
try db.close()

// MARK: report
print(
    """
    | metric | value |
    |---|---|
    | vectors | \(count) × \(dimension)-D float32, \(identities) identities (clustered) |
    | insert, Flat index: `addFaces`, batches of \(batchSize), one atomic write each | \(String(format: "%.0f rows/s (%.1f s)", Double(count) / insertSeconds, insertSeconds)) |
    | insert, Flat index: `importEmbeddings` (rows prepared on a second thread, batches of \(ImportOptions().batchSize)) | \(String(format: "%.0f rows/s (%.1f s)", Double(count) / importSeconds, importSeconds)) |
    | close (writes the index snapshot) | \(String(format: "%.2f s", closeSeconds)) |
    | open with a valid snapshot | \(String(format: "%.2f s", openWithSnapshot)) |
    | open without a snapshot (rebuilds Flat from the store) | \(String(format: "%.2f s", openRebuild)) |
    | HNSW32 build (reindex, efConstruction 80, efSearch tuning included) | \(String(format: "%.1f s", hnswBuild)) |
    | HNSW efSearch tuning (\(tuning?.sampleSize ?? 0) stored faces as queries, target recall@10 \(hnsw.recallTarget ?? 0) with 95 % confidence) | \(tuning.map { String(format: "efSearch %d, recall %.3f ± %.3f, %.1f s", $0.efSearch, $0.recall, $0.margin, $0.seconds) } ?? "did not run") |
    | IVF-PQ build (reindex: train on \(min(count, 1024 * 256)) + add) | \(String(format: "%.1f s", ivfpqBuild)) |
    | resident memory after HNSW | \(mib(hnswMemory)) |
    | IVF-PQ index memory (estimate; codes + exact copy of \(4 * dimension) bytes per face) | \(mib(ivfpqMemory)) |
    | size on disk | \(mib(stats.sizeOnDisk)) |

    Top-10 search, one query at a time, \(queries.count) queries; recall@10 against the exact (Flat) answer.
    "FAISS alone" is the same index searched through our C shim without the store and the Swift layer
    (for IVF-PQ: the same IndexRefineFlat, re-scoring included); interleaved query by query with FaceDB,
    alternating which of the two searches each probe first (the second finds the first's nodes in the cache).
    The "bare" rows are FAISS's IVF-PQ alone, without re-scoring (measured in the same loop).

    | index | FaceDB p50 | FaceDB p99 | FAISS alone p50 | FAISS alone p99 | overhead (p50 ratio) | FaceDB recall@10 | FAISS alone recall@10 |
    |---|---|---|---|---|---|---|---|
    """)
for r in rows {
    let ms = { (seconds: Double?) in seconds.map { String(format: "%.3f ms", $0 * 1000) } ?? "—" }
    let overhead = r.p50.map { String(format: "%.2f×", $0 / r.rawP50) } ?? "—"
    let recall = r.recall.map { String(format: "%.3f", $0) } ?? "—"
    print(
        "| \(r.kind) | \(ms(r.p50)) | \(ms(r.p99)) | \(ms(r.rawP50)) | \(ms(r.rawP99)) | \(overhead) | \(recall) | "
            + String(format: "%.3f |", r.rawRecall))
}
finish()
