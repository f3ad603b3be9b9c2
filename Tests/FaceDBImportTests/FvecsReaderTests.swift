import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class FvecsReaderTests: XCTestCase {
    func testRoundTripIsBitExact() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("fvecs")
        let rows = randomRows(50, 17, &generator)
        let path = write(FvecsWriter.file(rows), to: "base.fvecs", in: dir)
        let labels = write(plainLabels(50), to: "labels.labels", in: dir)
        let reader = try FvecsReader(path: path, labels: LabelsReader(path: labels))
        XCTAssertEqual(reader.dimension, 17)
        XCTAssertEqual(reader.totalRows, 50)
        XCTAssertEqual(reader.totalBytes, 50 * (4 + 17 * 4))
        let result = drain(reader)
        XCTAssertNil(result.error, "seed \(seed)")
        XCTAssertEqual(result.rows.map(\.identity), (0..<50).map { "person-\($0)" })
        XCTAssertEqual(result.rows.map { $0.embedding.map(\.bitPattern) }, rows.map { $0.map(\.bitPattern) }, "seed \(seed)")
        XCTAssertEqual(result.rows.map(\.row), Array(1...50))
    }

    func testInconsistentDimensionIsAnError() throws {
        let dir = TemporaryDirectory("fvecs")
        let path = write(FvecsWriter.file([[1, 2, 3], [4, 5, 6], [7, 8], [9, 10, 11]]), to: "base.fvecs", in: dir)
        let labels = write(plainLabels(4), to: "labels.txt", in: dir)
        let reader = try FvecsReader(path: path, labels: LabelsReader(path: labels))
        XCTAssertNil(reader.totalRows)
        let result = drain(reader)
        XCTAssertEqual(result.rows.map(\.embedding), [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(code(of: result.error), .corruption)
        XCTAssertEqual(result.faceDBError?.message, "Vector 3 of base.fvecs has dimension 2 but the first has 3.")
    }

    func testTruncatedAtEveryOffsetIsAnErrorOrTheRowsBeforeTheCut() throws {
        let dir = TemporaryDirectory("fvecs")
        let rows: [[Float]] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
        let whole = FvecsWriter.file(rows)
        let labels = write(plainLabels(3), to: "labels.txt", in: dir)
        for cut in 1..<whole.count {
            let path = write(Array(whole.prefix(cut)), to: "base.fvecs", in: dir)
            let reader: FvecsReader
            do {
                reader = try FvecsReader(path: path, labels: LabelsReader(path: labels))
            } catch {
                XCTAssertEqual(code(of: error), .corruption, "cut \(cut): \(error)")
                XCTAssertLessThan(cut, 4, "only a cut inside the first dimension fails when opening")
                continue
            }
            let result = drain(reader)
            if cut % 16 == 0 {  // a whole number of vectors: a valid shorter file, caught by the labels
                XCTAssertEqual(result.faceDBError?.message, "labels.txt has 3 lines but base.fvecs has only \(cut / 16) rows.")
            } else {
                XCTAssertEqual(code(of: result.error), .corruption, "cut \(cut): \(String(describing: result.error))")
            }
            XCTAssertEqual(result.rows.map(\.embedding), Array(rows.prefix(cut / 16)), "cut \(cut)")
        }
    }

    func testImpossibleFirstDimensionAndLabelMismatch() throws {
        let dir = TemporaryDirectory("fvecs")
        let labels = write(plainLabels(2), to: "labels.txt", in: dir)
        let bad = write(NpyWriter.littleEndian(Int32(-5)) + [0, 0, 0, 0], to: "bad.fvecs", in: dir)
        XCTAssertThrowsError(try FvecsReader(path: bad, labels: LabelsReader(path: labels))) {
            XCTAssertEqual(code(of: $0), .invalidArgument)
            XCTAssertTrue("\($0)".contains("starts with the dimension -5"), "\($0)")
        }
        let three = write(FvecsWriter.file([[1], [2], [3]]), to: "three.fvecs", in: dir)
        let result = drain(try FvecsReader(path: three, labels: LabelsReader(path: labels)))
        XCTAssertEqual(result.rows.count, 2)
        XCTAssertEqual(result.faceDBError?.message, "labels.txt has 2 lines but three.fvecs has 3 rows.")
        let empty = write([UInt8](), to: "empty.fvecs", in: dir)
        let emptyResult = drain(try FvecsReader(path: empty, labels: LabelsReader(path: labels)))
        XCTAssertEqual(emptyResult.faceDBError?.message, "labels.txt has 2 lines but empty.fvecs has only 0 rows.")
    }
}
