import CFaiss
import FaceDBCore
import FaceDBTestSupport
import XCTest

@testable import FaceDBIndex

/// Shim status codes become the right FaceDBError codes, with the shim's message as the cause.
final class FaissStatusTests: XCTestCase {
    func testEveryStatusMapsToItsErrorCode() {
        let expected: [(Int32, FaceDBError.Code)] = [
            (FaissStatus.invalidArgument, .invalidArgument),
            (FaissStatus.faiss, .indexFailure),
            (FaissStatus.outOfMemory, .indexFailure),
            (FaissStatus.corrupt, .corruption),
            (FaissStatus.unknown, .indexFailure),
            (FaissStatus.outdated, .unsupportedFormat),
            (FaissStatus.stopped, .io),
            (99, .indexFailure),
        ]
        XCTAssertNil(FaissStatus.error(for: FaissStatus.ok, what: "search", cause: nil))
        for (status, code) in expected {
            let error = FaissStatus.error(for: status, what: "search", cause: "detail \(status)")
            XCTAssertEqual(error?.code, code, "status \(status)")
            XCTAssertEqual(error?.cause, "detail \(status)", "status \(status)")
            XCTAssertNotNil(error?.remedy, "status \(status)")
            XCTAssertTrue(error?.message.contains("search") ?? false, "status \(status): \(String(describing: error))")
        }
        XCTAssertNil(FaissStatus.error(for: FaissStatus.faiss, what: "search", cause: "")?.cause, "empty cause dropped")
    }

    func testStatusConstantsAreTheShimsValues() {
        XCTAssertEqual(FaissStatus.ok, 0)
        XCTAssertEqual(
            Set([
                FaissStatus.ok, FaissStatus.invalidArgument, FaissStatus.faiss, FaissStatus.outOfMemory,
                FaissStatus.corrupt, FaissStatus.unknown, FaissStatus.outdated, FaissStatus.stopped,
            ]).count, 8)
    }

    func testWithFaissStatusPassesSuccessAndThrowsFailure() throws {
        try withFaissStatus("do nothing") { FaissStatus.ok }
        assertFaceDBError(.corruption) { try withFaissStatus("read") { FaissStatus.corrupt } }
    }

    func testRealShimFailuresCarryTheShimMessageAsCause() {
        var bad = FaissIndex.parameters(for: .flat, dimension: 8, metric: .l2)
        bad.dim = 0
        let invalid = assertFaceDBError(.invalidArgument) { try FaissIndex(parameters: bad) }
        XCTAssertTrue(invalid?.cause?.contains("dim") ?? false, "cause: \(String(describing: invalid?.cause))")

        let garbage: [UInt8] = Array("definitely not an index".utf8)
        let corrupt = assertFaceDBError(.corruption) {
            try garbage.withUnsafeBytes { try FaissIndex(deserializing: $0) }
        }
        XCTAssertNotNil(corrupt?.cause)
        // The message is per thread and names the latest failure.
        XCTAssertNotEqual(String(cString: fdb_last_error()), "")
    }

    func testShimRejectsBadArgumentsWithoutThrowingCxxExceptions() throws {
        let index = try FaissIndex(parameters: FaissIndex.parameters(for: .flat, dimension: 4, metric: .l2))
        assertFaceDBError(.invalidArgument) { try index.add(ids: [-1], vectors: [0, 0, 0, 0]) }
        assertFaceDBError(.invalidArgument) { try index.reconstruct(ids: [42], dimension: 4) }
        assertFaceDBError(.invalidArgument) {
            try index.search([0, 0, 0, 0], queryCount: 1, k: 0, allowed: nil, efSearch: 0, nprobe: 0)
        }
        let ivf = try FaissIndex(
            parameters: FaissIndex.parameters(for: IndexConfiguration(kind: .ivf, nlist: 4), dimension: 4, metric: .l2))
        assertFaceDBError(.invalidArgument, "untrained IVF") { try ivf.add(ids: [1], vectors: [0, 0, 0, 0]) }
        assertFaceDBError(.invalidArgument, "too few training vectors") { try ivf.train([0, 0, 0, 0], count: 1) }
    }
}
