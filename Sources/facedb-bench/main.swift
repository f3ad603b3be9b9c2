// The core benchmark (BENCHMARKS.md): insert rate, open time, search latency and recall for the
// index kinds, each next to the same search through FAISS alone (our C shim, no store, no
// re-scoring) in the same run.
//
//   swift run -c release facedb-bench [--count 1000000] [--dim 128] [--queries 200] [--phases all|insert]
@_spi(Benchmark) import FaceDB
import FaceDBCore
import FaceDBImport
import FaceDBIndex
import FaceDBTestSupport
import Foundation

var count = 1_000_000
var dimension = 128
var queryCount = 200
/// `--phases insert` stops after the insert and open measurements (for profiling).
var phases = "all"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    if flag == "--phases" { phases = arguments.next() ?? "all"; continue }
    guard let value = arguments.next().flatMap(Int.init) else { fatalError("usage: facedb-bench [--count N] [--dim D] [--queries Q]") }
    switch flag {
    case "--count": count = value
    case "--dim": dimension = value
    case "--queries": queryCount = value
    default: fatalError("unknown option \(flag)")
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
let path = directory.path("bench.facedb")
let quiet = DatabaseOptions(log: { _ in })
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
        return .row(ImportRow(row: position + 1, identity: "person-\(owners[position])",
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
    print(String(format: "insert %.0f rows/s (addFaces), %.0f rows/s (importEmbeddings), close %.2f s, open with snapshot %.2f s, open rebuilding %.2f s",
                 Double(count) / insertSeconds, Double(count) / importSeconds, closeSeconds, openWithSnapshot, openRebuild))
    exit(0)
}

// MARK: search
struct Row {
    var kind: String
    var build: Double
    var p50: Double, p99: Double, rawP50: Double, rawP99: Double
    var recall: Double, rawRecall: Double
}
var rows: [Row] = []
var truth: [[Int64]] = []

@MainActor func measure(_ name: String, build: Double) throws {
    var ours: [Double] = []
    var raw: [Double] = []
    var found = 0
    var rawFound = 0
    let index = db.vectorIndex
    for (q, probe) in queries.enumerated() {
        let (hits, t) = try time { try db.search(probe, k: 10) }
        ours.append(t)
        let (rawHits, rt) = try time { try index.search(probe, k: 10) }
        raw.append(rt)
        let ids = hits.map(\.faceID.rawValue)
        if truth.count <= q { truth.append(ids) }
        found += Set(ids).intersection(truth[q]).count
        rawFound += Set(rawHits[0].map(\.id)).intersection(truth[q]).count
    }
    let row = Row(kind: name, build: build, p50: percentile(ours, 0.5), p99: percentile(ours, 0.99),
                  rawP50: percentile(raw, 0.5), rawP99: percentile(raw, 0.99),
                  recall: Double(found) / Double(queries.count * 10), rawRecall: Double(rawFound) / Double(queries.count * 10))
    rows.append(row)
    log(String(format: "%@: p50 %.3f ms (FAISS alone %.3f ms), recall@10 %.3f", name, row.p50 * 1000, row.rawP50 * 1000, row.recall))
}

try measure("Flat", build: 0)
let hnsw = IndexConfiguration(kind: .hnsw, hnswM: 32)
let (_, hnswBuild) = try time { try db.reindex(hnsw) { done, total in if done % 100_000 == 0 { log("hnsw \(done)/\(total)") } } }
try measure("HNSW32 (efSearch 64)", build: hnswBuild)
// efSearch only steers the search: these reuse the graph (no rebuild).
for ef in [128, 256, 512] {
    try db.reindex(IndexConfiguration(kind: .hnsw, hnswM: 32, efSearch: ef))
    try measure("HNSW32 (efSearch \(ef))", build: 0)
}
let hnswMemory = residentMemory()
let ivfpq = IndexConfiguration(kind: .ivfpq, nlist: 1024, nprobe: 32, pqM: 16)
let (_, ivfpqBuild) = try time { try db.reindex(ivfpq) }
try measure("IVF1024,PQ16 (nprobe 32)", build: ivfpqBuild)
for nprobe in [64, 128] {
    try db.reindex(IndexConfiguration(kind: .ivfpq, nlist: 1024, nprobe: nprobe, pqM: 16))
    try measure("IVF1024,PQ16 (nprobe \(nprobe))", build: 0)
}
let stats = try db.stats()
try db.close()

// MARK: report
print("""
    | metric | value |
    |---|---|
    | vectors | \(count) × \(dimension)-D float32, \(identities) identities (clustered) |
    | insert, Flat index: `addFaces`, batches of \(batchSize), one atomic write each | \(String(format: "%.0f rows/s (%.1f s)", Double(count) / insertSeconds, insertSeconds)) |
    | insert, Flat index: `importEmbeddings` (rows prepared on a second thread, batches of \(ImportOptions().batchSize)) | \(String(format: "%.0f rows/s (%.1f s)", Double(count) / importSeconds, importSeconds)) |
    | close (writes the index snapshot) | \(String(format: "%.2f s", closeSeconds)) |
    | open with a valid snapshot | \(String(format: "%.2f s", openWithSnapshot)) |
    | open without a snapshot (rebuilds Flat from the store) | \(String(format: "%.2f s", openRebuild)) |
    | HNSW32 build (reindex, efConstruction 80) | \(String(format: "%.1f s", hnswBuild)) |
    | IVF-PQ build (reindex: train on \(min(count, 1024 * 256)) + add) | \(String(format: "%.1f s", ivfpqBuild)) |
    | resident memory after HNSW | \(mib(hnswMemory)) |
    | size on disk | \(mib(stats.sizeOnDisk)) |

    Top-10 search, one query at a time, \(queries.count) queries; recall@10 against the exact (Flat) answer.
    "FAISS alone" is the same index searched through our C shim without the store and without re-scoring.

    | index | FaceDB p50 | FaceDB p99 | FAISS alone p50 | FAISS alone p99 | overhead (p50 ratio) | FaceDB recall@10 | FAISS alone recall@10 |
    |---|---|---|---|---|---|---|---|
    """)
for r in rows {
    print(String(format: "| %@ | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.2f× | %.3f | %.3f |",
                 r.kind, r.p50 * 1000, r.p99 * 1000, r.rawP50 * 1000, r.rawP99 * 1000, r.p50 / r.rawP50, r.recall, r.rawRecall))
}
