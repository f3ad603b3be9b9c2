import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBIndex

/// Serialized indexes come back identical, and damaged bytes are refused without crashing.
final class SerializationTests: XCTestCase {
    /// An index of `configuration` in a typical state: filled, with some removals.
    private func populated(
        _ configuration: IndexConfiguration, _ data: Dataset, metric: Metric = .l2, rows: Int? = nil
    ) throws -> VectorIndex {
        let index = try VectorIndex(configuration: configuration, dimension: data.dimension, metric: metric)
        let n = rows ?? data.count
        try index.add(ids: Array(data.ids.prefix(n)), vectors: Array(data.vectors.prefix(n * data.dimension)))
        try index.remove(ids: Array(data.ids.prefix(n / 20)))  // 5%: HNSW keeps tombstones
        return index
    }

    func testRoundTripGivesIdenticalResultsForEveryKind() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.clustered(count: 1_200, queries: 20, dimension: 16, identities: 100, seed: seed)
        var cases = smallConfigurations().map { ($0, Metric.l2, 1_200) }
        cases.append((IndexConfiguration(kind: .ivf, nlist: 16), .l2, 300))  // still staging
        cases.append((IndexConfiguration(kind: .hnsw, hnswM: 12), .innerProduct, 1_200))
        let filter = Array(data.ids.prefix(600))

        for (configuration, metric, rows) in cases {
            let context = "\(configuration) \(metric) \(rows) rows; seed \(seed)"
            let index = try populated(configuration, data, metric: metric, rows: rows)
            let bytes = try index.serialized()
            let restored = try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 16, metric: metric)

            XCTAssertEqual(restored.count, index.count, context)
            XCTAssertEqual(restored.tombstones, index.tombstones, context)
            XCTAssertEqual(restored.isTrained, index.isTrained, context)
            XCTAssertEqual(restored.stateDescription, index.stateDescription, context)
            XCTAssertEqual(try restored.allIDs(), try index.allIDs(), context)
            XCTAssertEqual(try restored.search(data.queries, k: 10), try index.search(data.queries, k: 10), context)
            XCTAssertEqual(
                try restored.search(data.queries, k: 7, allowed: filter),
                try index.search(data.queries, k: 7, allowed: filter), context)
            XCTAssertEqual(try restored.serialized(), bytes, "serialization is deterministic; \(context)")

            // The restored index keeps working.
            try restored.remove(ids: [data.ids[100]])
            try restored.add(ids: [data.ids[100]], vectors: data.vector(100))
            XCTAssertEqual(restored.count, index.count, context)
        }
    }

    func testTunableParametersComeFromTheConfiguration() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 500, queries: 5, dimension: 8, seed: seed)
        let built = IndexConfiguration(kind: .hnsw, hnswM: 8, efSearch: 16)
        let bytes = try populated(built, data).serialized()
        var tuned = built
        tuned.efSearch = 200
        tuned.efConstruction = 100
        let restored = try VectorIndex.deserialize(bytes, configuration: tuned, dimension: 8, metric: .l2)
        XCTAssertEqual(restored.configuration.efSearch, 200)
        XCTAssertEqual(restored.count, 475, "seed \(seed)")
    }

    func testBytesOfAnotherShapeAreRefused() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let data = Dataset.random(count: 300, queries: 1, dimension: 8, seed: seed)
        let configuration = IndexConfiguration(kind: .hnsw, hnswM: 8)
        let bytes = try populated(configuration, data).serialized()
        let mismatches: [(IndexConfiguration, Int, Metric)] = [
            (IndexConfiguration(kind: .hnsw, hnswM: 16), 8, .l2),
            (configuration, 16, .l2),
            (configuration, 8, .cosine),
            (.flat, 8, .l2),
            (IndexConfiguration(kind: .ivf, nlist: 4), 8, .l2),
        ]
        for (other, dimension, metric) in mismatches {
            assertFaceDBError(.corruption, "\(other) \(dimension) \(metric)") {
                try VectorIndex.deserialize(bytes, configuration: other, dimension: dimension, metric: metric)
            }
        }
    }

    /// Tiny indexes of every kind (IVF ones trained) for the damage tests.
    private func damageCases(seed: UInt64) throws -> [(IndexConfiguration, [UInt8])] {
        let data = Dataset.random(count: 200, queries: 1, dimension: 8, seed: seed)
        let configurations = [
            IndexConfiguration.flat,
            IndexConfiguration(kind: .hnsw, hnswM: 4, efConstruction: 16),
            IndexConfiguration(kind: .ivf, nlist: 4, nprobe: 4),  // threshold 156
            IndexConfiguration(kind: .ivfpq, nlist: 4, nprobe: 4, pqM: 2, pqBits: 4),
        ]
        return try configurations.map { configuration in
            let index = try populated(configuration, data)
            XCTAssertTrue(index.isTrained)
            return (configuration, try index.serialized())
        }
    }

    private func load(_ bytes: UnsafeRawBufferPointer, _ configuration: IndexConfiguration) throws -> VectorIndex {
        try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 8, metric: .l2)
    }

    func testTruncatedOrExtendedPayloadsAreCorruptForEveryKind() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        for (configuration, bytes) in try damageCases(seed: seed) {
            bytes.withUnsafeBytes { all in
                for length in 0..<all.count {
                    let error = assertFaceDBError(.corruption, "\(configuration) cut at \(length); seed \(seed)") {
                        try load(UnsafeRawBufferPointer(rebasing: all[0..<length]), configuration)
                    }
                    if error == nil { return }  // one report per kind is enough
                }
            }
            assertFaceDBError(.corruption, "trailing byte; \(configuration)") {
                try VectorIndex.deserialize(bytes + [0], configuration: configuration, dimension: 8, metric: .l2)
            }
        }
    }

    func testBitFlippedPayloadsAreRefusedOrStillUsable() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let query: [Float] = [0.5, -1, 0.25, 2, 0, 1, -0.5, 0.75]
        for (configuration, original) in try damageCases(seed: seed) {
            var refused = 0
            for _ in 0..<1_500 {
                var bytes = original
                let bit = Int(generator.next() % UInt64(bytes.count * 8))
                bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
                do {
                    let index = try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 8, metric: .l2)
                    // A flip the shim cannot tell from valid data (a vector component, an id) still
                    // gives a consistent index.
                    let hits = try index.search(query, k: 5)
                    XCTAssertLessThanOrEqual(hits[0].count, 5)
                    XCTAssertEqual(try index.allIDs().count, index.count)
                    _ = try index.serialized()
                } catch let error as FaceDBError {
                    XCTAssertEqual(error.code, .corruption, "\(configuration) bit \(bit): \(error); seed \(seed)")
                    refused += 1
                }
            }
            XCTAssertGreaterThan(refused, 0, "\(configuration): no flip was refused; seed \(seed)")
        }
    }

    /// Payloads of version 1 (no refine factor; IVF-PQ without its exact copy of the vectors):
    /// flat, HNSW and IVF-Flat still load; IVF-PQ is refused as an older format, to be rebuilt.
    func testPayloadVersionOne() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let query: [Float] = [0.5, -1, 0.25, 2, 0, 1, -0.5, 0.75]
        for (configuration, bytes) in try damageCases(seed: seed) {
            var v1 = bytes
            v1.replaceSubrange(4..<8, with: [1, 0, 0, 0])
            v1.removeSubrange(48..<52)
            if configuration.kind == .ivfpq {
                assertFaceDBError(.unsupportedFormat, "seed \(seed)") {
                    try VectorIndex.deserialize(v1, configuration: configuration, dimension: 8, metric: .l2)
                }
            } else {
                let original = try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 8, metric: .l2)
                let restored = try VectorIndex.deserialize(v1, configuration: configuration, dimension: 8, metric: .l2)
                XCTAssertEqual(try restored.search(query, k: 5), try original.search(query, k: 5), "\(configuration); seed \(seed)")
                XCTAssertEqual(try restored.serialized(), bytes, "rewritten as version 2; \(configuration)")
            }
        }
    }

    func testInvalidGraphLinkIsCorrupt() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        let (configuration, original) = try damageCases(seed: seed)[1]
        XCTAssertEqual(configuration.kind, .hnsw)
        // The neighbour table is the last part of an HNSW payload; its last slot gets a node
        // number far out of range.
        var bytes = original
        withUnsafeBytes(of: Int32(1_000_000).littleEndian) { bytes.replaceSubrange(bytes.count - 4..<bytes.count, with: $0) }
        let error = assertFaceDBError(.corruption) {
            try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 8, metric: .l2)
        }
        XCTAssertTrue(error?.cause?.contains("link") ?? false, String(describing: error))
    }

    /// Found while fuzzing the snapshot reader (`Fuzz/Corpus/snapshot/regression-ivfpq-codebook`):
    /// IVF-PQ parameters that call for a 16 GB codebook (dimension 65536, 16 bits) in a payload of a
    /// few hundred bytes are refused before FAISS allocates the codebook.
    func testHugeCodebookParametersAreRefusedBeforeAllocating() throws {
        let (configuration, original) = try damageCases(seed: 1)[3]
        XCTAssertEqual(configuration.kind, .ivfpq)
        // The parameters are 11 Int32 after the magic and the version: kind, metric, dim, hnsw_m,
        // ef_construction, ef_search, nlist, nprobe, pq_m, pq_bits, refine_factor.
        var bytes = original
        for (field, value) in [(2, Int32(65_536)), (8, 1), (9, 16)] {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(8 + 4 * field..<12 + 4 * field, with: $0) }
        }
        let error = assertFaceDBError(.corruption) {
            try VectorIndex.deserialize(bytes, configuration: configuration, dimension: 8, metric: .l2)
        }
        XCTAssertTrue(error?.cause?.contains("codebook") ?? false, String(describing: error))
    }

    func testGarbageIsCorrupt() {
        var generator = SeededGenerator(seed: 7)
        for length in [0, 1, 4, 8, 47, 48, 100, 4_096] {
            let garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            assertFaceDBError(.corruption, "\(length) random bytes") {
                try VectorIndex.deserialize(garbage, configuration: .flat, dimension: 8, metric: .l2)
            }
        }
    }
}
