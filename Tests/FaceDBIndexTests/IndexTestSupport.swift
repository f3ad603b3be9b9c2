import FaceDBCore
import FaceDBIndex
import FaceDBTestSupport
import XCTest

/// Seeded vectors with non-contiguous ids, and queries, for index tests.
struct Dataset: Sendable {
    /// The seed everything was drawn from.
    let seed: UInt64
    let dimension: Int
    /// Ids of the rows of `vectors` (scattered, to catch position/id mix-ups).
    let ids: [Int64]
    /// Row-major vectors.
    let vectors: [Float]
    /// Row-major queries.
    let queries: [Float]

    var count: Int { ids.count }
    var queryCount: Int { queries.count / dimension }

    /// Gaussian vectors; unit length when `normalized`.
    static func random(count: Int, queries: Int, dimension: Int, seed: UInt64, normalized: Bool = false) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        func draw(_ n: Int) -> [Float] {
            var out = (0..<n * dimension).map { _ in generator.nextGaussian() }
            if normalized { normalize(&out, dimension: dimension) }
            return out
        }
        let vectors = draw(count)
        return Dataset(seed: seed, dimension: dimension, ids: scatteredIDs(count), vectors: vectors, queries: draw(queries))
    }

    /// Faces of `identities` people (``SyntheticEmbeddings``); queries are further faces of random people.
    static func clustered(count: Int, queries: Int, dimension: Int, identities: Int, seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let people = SyntheticEmbeddings(dimension: dimension, identities: identities, generator: &generator)
        let faces = people.faces(count: count, generator: &generator).vectors
        let probes = people.faces(count: queries, generator: &generator).vectors
        return Dataset(seed: seed, dimension: dimension, ids: scatteredIDs(count), vectors: faces, queries: probes)
    }

    /// Ids 3, 10, 17, ...
    static func scatteredIDs(_ count: Int) -> [Int64] {
        (0..<count).map { Int64($0) * 7 + 3 }
    }

    static func normalize(_ v: inout [Float], dimension: Int) {
        for row in 0..<v.count / dimension {
            let range = row * dimension..<(row + 1) * dimension
            let norm = v[range].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            for i in range { v[i] /= norm }
        }
    }

    /// Query `q` as its own array.
    func query(_ q: Int) -> [Float] {
        Array(queries[q * dimension..<(q + 1) * dimension])
    }

    /// The vector of row `row`.
    func vector(_ row: Int) -> [Float] {
        Array(vectors[row * dimension..<(row + 1) * dimension])
    }

    /// The vectors of `ids`, in that order, row-major.
    func vectors(of ids: [Int64]) -> [Float] {
        let rows = Dictionary(uniqueKeysWithValues: self.ids.enumerated().map { ($1, $0) })
        return ids.flatMap { vector(rows[$0]!) }
    }

    /// The rows whose ids are in `keep`, as (ids, vectors).
    func subset(_ keep: Set<Int64>) -> (ids: [Int64], vectors: [Float]) {
        var ids = [Int64]()
        var vectors = [Float]()
        for (row, id) in self.ids.enumerated() where keep.contains(id) {
            ids.append(id)
            vectors.append(contentsOf: vector(row))
        }
        return (ids, vectors)
    }

    /// Exact top-k for every query over the given rows (all rows by default).
    func truth(k: Int, metric: Metric, ids: [Int64]? = nil, vectors: [Float]? = nil) -> [[(id: Int64, score: Float)]] {
        (0..<queryCount).map { q in
            BruteForce.search(
                query(q), in: vectors ?? self.vectors, ids: ids ?? self.ids, dimension: dimension, metric: metric, k: k)
        }
    }

    /// Adds every row to `index` in `batches` batches.
    func add(to index: VectorIndex, batches: Int = 1) throws {
        let per = (count + batches - 1) / batches
        for start in stride(from: 0, to: count, by: per) {
            let end = min(start + per, count)
            try index.add(ids: Array(ids[start..<end]), vectors: Array(vectors[start * dimension..<end * dimension]))
        }
    }
}

/// The 20 000 × 128 clustered data set of the recall tests, made and solved once per process.
///
/// 1 000 identities give about 20 faces per person, so a query's true top 10 are faces of its
/// own person. (With 2 000 identities, people with fewer than 10 faces fill their top 10 with
/// strangers at nearly equal distances, and IVF's recall at nprobe 16 measures 0.94–0.97.)
enum SharedClusteredData {
    static let dataset = Dataset.clustered(
        count: 20_000, queries: 100, dimension: 128, identities: 1_000, seed: SeededGenerator.seedFromEnvironment())
    static let truth = dataset.truth(k: 10, metric: .l2)
}

/// The FAISS value for a natural-unit score: squared for L2, as is for inner products. Hits are
/// compared in this unit, so that the tolerances stay those of FAISS's own arithmetic.
func indexDistance(_ score: Float, _ metric: Metric) -> Float {
    metric == .l2 ? score * score : score
}

/// The fraction of the true top-`k` ids found among `hits`.
func recall(_ hits: [[IndexHit]], _ truth: [[(id: Int64, score: Float)]], k: Int) -> Double {
    var found = 0
    var total = 0
    for (row, expected) in zip(hits, truth) {
        let got = Set(row.map(\.id))
        for e in expected.prefix(k) {
            total += 1
            if got.contains(e.id) { found += 1 }
        }
    }
    return total == 0 ? 1 : Double(found) / Double(total)
}

/// Asserts that `hits` are the exact answer `truth`: the same distances rank by rank, and the
/// same ids except where two candidates tie within the tolerance.
func assertExact(
    _ hits: [[IndexHit]], _ truth: [[(id: Int64, score: Float)]], metric: Metric, seed: UInt64,
    _ context: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(hits.count, truth.count, "rows; seed \(seed) \(context)", file: file, line: line)
    for (q, (row, expected)) in zip(hits, truth).enumerated() {
        XCTAssertEqual(row.count, expected.count, "query \(q) hit count; seed \(seed) \(context)", file: file, line: line)
        for (rank, (hit, e)) in zip(row, expected).enumerated() {
            let want = indexDistance(e.score, metric)
            let tolerance = 1e-3 * max(1, abs(want))
            XCTAssertEqual(
                indexDistance(hit.score, metric), want, accuracy: tolerance,
                "query \(q) rank \(rank) distance; seed \(seed) \(context)", file: file, line: line)
            if hit.id != e.id {
                // Only a tie may swap ids: the oracle must score the returned id the same.
                let tied = expected.contains { $0.id == hit.id && abs(indexDistance($0.score, metric) - want) <= tolerance }
                XCTAssertTrue(
                    tied, "query \(q) rank \(rank): id \(hit.id), expected \(e.id); seed \(seed) \(context)",
                    file: file, line: line)
            }
        }
    }
}

/// Asserts that every hit's distance is the exact (brute-force) distance between its query and the
/// vector stored under its id: the index returns exact scores, whatever it used to find the ids.
func assertExactDistances(
    _ hits: [[IndexHit]], _ data: Dataset, metric: Metric, seed: UInt64, _ context: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    let rows = Dictionary(uniqueKeysWithValues: data.ids.enumerated().map { ($1, $0) })
    for (q, row) in hits.enumerated() {
        for hit in row {
            guard let r = rows[hit.id] else {
                XCTFail("query \(q): unknown id \(hit.id); seed \(seed) \(context)", file: file, line: line)
                continue
            }
            let exact = BruteForce.search(
                data.query(q), in: data.vector(r), ids: [hit.id], dimension: data.dimension,
                metric: metric, k: 1)[0].score
            let want = indexDistance(exact, metric)
            XCTAssertEqual(
                indexDistance(hit.score, metric), want, accuracy: 1e-5 * max(1, abs(want)),
                "query \(q) id \(hit.id) distance; seed \(seed) \(context)", file: file, line: line)
        }
    }
}

/// Asserts that `body` throws a ``FaceDBError`` with `code`, and returns it.
@discardableResult
func assertFaceDBError<T>(
    _ code: FaceDBError.Code, _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> FaceDBError? {
    do {
        _ = try body()
        XCTFail("expected \(code), nothing was thrown. \(message())", file: file, line: line)
    } catch let error as FaceDBError {
        XCTAssertEqual(error.code, code, "\(error). \(message())", file: file, line: line)
        return error
    } catch {
        XCTFail("expected FaceDBError \(code), got \(error). \(message())", file: file, line: line)
    }
    return nil
}

/// Small configurations of every kind whose IVF threshold is reached by a few thousand vectors.
func smallConfigurations() -> [IndexConfiguration] {
    [
        IndexConfiguration(kind: .flat),
        IndexConfiguration(kind: .hnsw, hnswM: 16, efConstruction: 64, efSearch: 64),
        IndexConfiguration(kind: .ivf, nlist: 16, nprobe: 16),
        IndexConfiguration(kind: .ivfpq, nlist: 16, nprobe: 16, pqM: 8, pqBits: 8),
    ]
}
