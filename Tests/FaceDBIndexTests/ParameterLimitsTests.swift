import CFaiss
import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBIndex

/// One table of parameter limits: Swift's `IndexConfiguration.Limits` (FaceDBCore, which cannot
/// import CFaiss) and the C layer's `FDB_LIMIT_*` macros (`fdb_faiss.h`, which its validation reads)
/// hold the same numbers, and both sides accept and refuse the same boundary values.
final class ParameterLimitsTests: XCTestCase {
    typealias Limits = IndexConfiguration.Limits

    /// A C `min...max` pair as a Swift range.
    private func range(_ min: Int32, _ max: Int32) -> ClosedRange<Int> { Int(min)...Int(max) }

    func testSwiftLimitsEqualTheCHeaderLimits() {
        XCTAssertEqual(Limits.dimension, range(FDB_LIMIT_DIM_MIN, FDB_LIMIT_DIM_MAX))
        XCTAssertEqual(Limits.hnswM, range(FDB_LIMIT_HNSW_M_MIN, FDB_LIMIT_HNSW_M_MAX))
        XCTAssertEqual(Limits.efConstruction, range(FDB_LIMIT_EF_CONSTRUCTION_MIN, FDB_LIMIT_EF_CONSTRUCTION_MAX))
        XCTAssertEqual(Limits.efSearch, range(FDB_LIMIT_EF_SEARCH_MIN, FDB_LIMIT_EF_SEARCH_MAX))
        XCTAssertEqual(Limits.nlist, range(FDB_LIMIT_NLIST_MIN, FDB_LIMIT_NLIST_MAX))
        XCTAssertEqual(Limits.nprobe, range(FDB_LIMIT_NPROBE_MIN, FDB_LIMIT_NPROBE_MAX))
        XCTAssertEqual(Limits.pqMMinimum, Int(FDB_LIMIT_PQ_M_MIN))
        XCTAssertEqual(Limits.pqBits, (0..<32).filter { (UInt32(FDB_LIMIT_PQ_BITS_MASK) >> UInt32($0)) & 1 == 1 })
        XCTAssertEqual(Limits.refineFactor, range(FDB_LIMIT_REFINE_FACTOR_MIN, FDB_LIMIT_REFINE_FACTOR_MAX))
        // The values FaceDB itself uses lie inside them.
        XCTAssertEqual(Limits.dimension.upperBound, EmbeddingSpace.maximumDimension)
        XCTAssertTrue(Limits.refineFactor.contains(IndexConfiguration.ivfpqRefineFactor))
        XCTAssertTrue(IndexConfiguration.efSearchCandidates.allSatisfy(Limits.efSearch.contains))
        XCTAssertTrue(Limits.efSearch.contains(IndexConfiguration.defaultEfSearch))
    }

    /// The status of `fdb_index_create` for `parameters` (the index is destroyed at once).
    private func createStatus(_ parameters: fdb_index_params) -> Int32 {
        var parameters = parameters
        var made: OpaquePointer?
        let status = fdb_index_create(&parameters, &made)
        fdb_index_destroy(made)
        return status
    }

    /// For each value: Swift's validation accepts it exactly when the C layer does (C refuses with
    /// FDB_ERR_INVALID_ARGUMENT), and an accepted value makes an index.
    private func assertAgree(
        _ name: String, _ values: [Int], dimension: Int = 16,
        configuration: (Int) -> IndexConfiguration,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for value in values {
            let swiftConfiguration = configuration(value)
            let parameters = FaissIndex.parameters(for: swiftConfiguration, dimension: dimension, metric: .l2)
            let swiftAccepts = (try? swiftConfiguration.validate(dimension: dimension)) != nil
            let status = createStatus(parameters)
            let cAccepts = status != FaissStatus.invalidArgument
            XCTAssertEqual(
                swiftAccepts, cAccepts, "\(name) = \(value): Swift \(swiftAccepts), C status \(status)",
                file: file, line: line)
            if cAccepts, !(name == "pqBits" && value > 8) {
                XCTAssertEqual(
                    status, FaissStatus.ok, "\(name) = \(value): \(String(cString: fdb_last_error()))",
                    file: file, line: line)
            }
        }
    }

    /// min - 1, min, max, max + 1.
    private func boundaries(_ range: ClosedRange<Int>) -> [Int] {
        [range.lowerBound - 1, range.lowerBound, range.upperBound, range.upperBound + 1]
    }

    func testBoundaryValuesAreAcceptedAndRefusedAlike() {
        assertAgree("hnswM", boundaries(Limits.hnswM)) { IndexConfiguration(kind: .hnsw, hnswM: $0) }
        assertAgree("efConstruction", boundaries(Limits.efConstruction)) {
            IndexConfiguration(kind: .hnsw, efConstruction: $0)
        }
        assertAgree("efSearch", boundaries(Limits.efSearch)) { IndexConfiguration(kind: .hnsw, efSearch: $0) }
        // The IVF-Flat index of 2^20 lists holds ~50 MB of empty lists until it is destroyed.
        assertAgree("nlist", boundaries(Limits.nlist)) { IndexConfiguration(kind: .ivf, nlist: $0) }
        assertAgree("nprobe", boundaries(Limits.nprobe)) { IndexConfiguration(kind: .ivf, nprobe: $0) }
        assertAgree("nprobe (IVF-PQ)", boundaries(Limits.nprobe)) { IndexConfiguration(kind: .ivfpq, nprobe: $0) }
        // PQ m: at least 1 and a divisor of the dimension (16).
        assertAgree("pqM", [-1, 0, 1, 3, 16, 32]) { IndexConfiguration(kind: .ivfpq, pqM: $0) }
        // Every bit count around the allowed set (4...8, 10, 12, 16). FAISS 1.7.3's IndexIVFPQ takes at
        // most 8 bits: 10, 12 and 16 pass validation on both sides and fail in FAISS (FDB_ERR_FAISS).
        assertAgree("pqBits", Array(-1...17)) { IndexConfiguration(kind: .ivfpq, pqM: 16, pqBits: $0) }
        for bits in Limits.pqBits where bits > 8 {
            var parameters = FaissIndex.parameters(
                for: IndexConfiguration(kind: .ivfpq, pqM: 16, pqBits: bits), dimension: 16, metric: .l2)
            parameters.pq_bits = Int32(bits)
            XCTAssertEqual(createStatus(parameters), FaissStatus.faiss, "pqBits = \(bits)")
        }
        // The refine factor is not configurable in Swift (IndexConfiguration.ivfpqRefineFactor): the C
        // layer must refuse exactly the values outside Swift's table.
        for value in boundaries(Limits.refineFactor) {
            var parameters = FaissIndex.parameters(for: IndexConfiguration(kind: .ivfpq), dimension: 16, metric: .l2)
            parameters.refine_factor = Int32(value)
            let status = createStatus(parameters)
            XCTAssertEqual(
                status == FaissStatus.invalidArgument, !Limits.refineFactor.contains(value),
                "refineFactor = \(value): status \(status)")
        }
    }

    func testDimensionBoundariesAreAcceptedAndRefusedAlike() {
        for dimension in boundaries(Limits.dimension) {
            let space = EmbeddingSpace(model: "m", dimension: dimension, metric: .l2)
            let swiftAccepts = (try? space.validate()) != nil
            let parameters = FaissIndex.parameters(for: .flat, dimension: dimension, metric: .l2)
            let status = createStatus(parameters)
            XCTAssertEqual(swiftAccepts, status != FaissStatus.invalidArgument, "dimension \(dimension): status \(status)")
            XCTAssertEqual(swiftAccepts, status == FaissStatus.ok, "dimension \(dimension): status \(status)")
            // VectorIndex checks the dimension before it reaches C.
            XCTAssertEqual(
                swiftAccepts, (try? VectorIndex(configuration: .flat, dimension: dimension, metric: .l2)) != nil,
                "dimension \(dimension)")
        }
    }

    /// fdb_index_configure checks the tunable parameters against the same table.
    func testConfigureUsesTheSameLimits() throws {
        let index = try FaissIndex(
            parameters: FaissIndex.parameters(for: IndexConfiguration(kind: .hnsw), dimension: 8, metric: .l2))
        for value in boundaries(Limits.efSearch) {
            var parameters = try index.parameters()
            parameters.ef_search = Int32(value)
            let accepted = (try? index.configure(parameters)) != nil
            XCTAssertEqual(accepted, Limits.efSearch.contains(value), "efSearch \(value)")
        }
        for value in boundaries(Limits.efConstruction) {
            var parameters = try index.parameters()
            parameters.ef_construction = Int32(value)
            let accepted = (try? index.configure(parameters)) != nil
            XCTAssertEqual(accepted, Limits.efConstruction.contains(value), "efConstruction \(value)")
        }
    }
}
