import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

final class EmbeddingFilesTests: XCTestCase {
    func testPicksTheReaderByExtension() throws {
        let dir = TemporaryDirectory("open")
        let labels = write("a\n", to: "labels.txt", in: dir)
        let npy = write(NpyWriter.float32File([[1, 2]]), to: "x.NPY", in: dir)
        let fvecs = write(FvecsWriter.file([[1, 2]]), to: "x.fvecs", in: dir)
        let jsonl = write(#"{"identity": "a", "embedding": [1, 2]}"#, to: "x.jsonl", in: dir)
        let ndjson = write(#"{"identity": "a", "embedding": [1, 2]}"#, to: "x.ndjson", in: dir)
        let csv = write("identity,e0,e1\na,1,2\n", to: "x.csv", in: dir)
        XCTAssertTrue(try EmbeddingFiles.open(path: npy, labels: labels) is NpyReader)
        XCTAssertTrue(try EmbeddingFiles.open(path: fvecs, labels: labels) is FvecsReader)
        XCTAssertTrue(try EmbeddingFiles.open(path: jsonl, labels: nil) is JSONLinesReader)
        XCTAssertTrue(try EmbeddingFiles.open(path: ndjson, labels: nil) is JSONLinesReader)
        XCTAssertTrue(try EmbeddingFiles.open(path: csv, labels: nil) is CSVReader)
        for path in [npy, fvecs, jsonl, ndjson, csv] {
            let result = drain(try EmbeddingFiles.open(path: path, labels: path == npy || path == fvecs ? labels : nil))
            XCTAssertNil(result.error, path)
            XCTAssertEqual(result.rows.map(\.embedding), [[1, 2]], path)
            XCTAssertEqual(result.rows.map(\.identity), ["a"], path)
        }
    }

    func testClearErrorsForUnsupportedFormatsAndLabelMisuse() {
        let dir = TemporaryDirectory("open")
        let parquet = write("x", to: "x.parquet", in: dir)
        XCTAssertThrowsError(try EmbeddingFiles.open(path: parquet, labels: nil)) { error in
            XCTAssertEqual(code(of: error), .invalidArgument)
            XCTAssertTrue("\(error)".contains("supported are .npy, .fvecs (each with a labels file), .jsonl/.ndjson and .csv"), "\(error)")
        }
        let npy = write(NpyWriter.float32File([[1, 2]]), to: "x.npy", in: dir)
        XCTAssertThrowsError(try EmbeddingFiles.open(path: npy, labels: nil)) {
            XCTAssertTrue("\($0)".contains("a labels file is needed"), "\($0)")
        }
        let csv = write("identity,e0\n", to: "x.csv", in: dir)
        XCTAssertThrowsError(try EmbeddingFiles.open(path: csv, labels: npy)) {
            XCTAssertTrue("\($0)".contains("a labels file applies only to .npy and .fvecs"), "\($0)")
        }
        let xlsx = write("a\n", to: "labels.xlsx", in: dir)
        XCTAssertThrowsError(try EmbeddingFiles.open(path: npy, labels: xlsx)) {
            XCTAssertTrue("\($0)".contains("supported are .txt or .labels"), "\($0)")
        }
        XCTAssertThrowsError(try EmbeddingFiles.open(path: dir.path("missing.npy"), labels: xlsx))
    }
}
