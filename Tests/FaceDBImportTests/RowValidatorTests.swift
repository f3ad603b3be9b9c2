import FaceDBCore
import FaceDBImport
import XCTest

final class RowValidatorTests: XCTestCase {
    private func reason(_ row: ImportRow, _ space: EmbeddingSpace) -> String? {
        if case .rejected(let rejected) = RowValidator(space: space).validate(row) {
            XCTAssertEqual(rejected.row, row.row)
            return rejected.reason
        }
        return nil
    }

    func testReasonsSayWhatIsWrong() {
        let l2 = EmbeddingSpace(model: "m", dimension: 4, metric: .l2)
        let cosine = EmbeddingSpace(model: "m", dimension: 4, metric: .cosine)
        let good: [Float] = [1, 2, 3, 4]
        XCTAssertEqual(
            reason(ImportRow(row: 3, identity: "a", embedding: [1, 2, 3]), l2),
            "embedding has 3 values, the database stores 4")
        XCTAssertEqual(
            reason(ImportRow(row: 4, identity: "a", embedding: [1, .nan, 3, 4]), l2),
            "embedding value 1 is NaN; every value must be a finite number")
        XCTAssertEqual(
            reason(ImportRow(row: 5, identity: "a", embedding: [1, 2, 3, -.infinity]), l2),
            "embedding value 3 is -infinity; every value must be a finite number")
        XCTAssertEqual(
            reason(ImportRow(row: 6, identity: "a", embedding: [0, 0, -0.0, 0]), cosine),
            "embedding is all zeros, which has no direction to normalize for cosine comparison")
        XCTAssertNil(reason(ImportRow(row: 7, identity: "a", embedding: [0, 0, 0, 0]), l2), "zero is fine unnormalized")
        XCTAssertEqual(reason(ImportRow(row: 8, identity: "", embedding: good), l2), "The identity id is empty.")
        XCTAssertEqual(
            reason(ImportRow(row: 9, identity: String(repeating: "é", count: 300), embedding: good), l2),
            "The identity id is 600 bytes long; at most 512 are allowed.")
        XCTAssertEqual(
            reason(ImportRow(row: 10, identity: "a\u{0}b", embedding: good), l2),
            "The identity id contains a NUL character.")
        XCTAssertEqual(
            reason(ImportRow(row: 11, identity: "a", faceID: -1, embedding: good), l2),
            "face_id -1 is negative; face ids must be 0 or greater")
        XCTAssertEqual(
            reason(ImportRow(row: 12, identity: "a", embedding: good, metadata: .string("x")), l2),
            "metadata must be a JSON object, not \"x\"")
    }

    func testValidRowsPassThroughUnchanged() {
        let space = EmbeddingSpace(model: "m", dimension: 3, metric: .cosine)
        let row = ImportRow(row: 1, identity: "Zoë", faceID: 0, embedding: [3, 4, 0], metadata: .object(["k": .null]))
        guard case .row(let passed) = RowValidator(space: space).validate(row) else { return XCTFail("rejected") }
        XCTAssertEqual(passed.embedding, [3, 4, 0], "normalizing is the database's job")
        XCTAssertEqual(passed.identity, "Zoë")
        XCTAssertEqual(passed.faceID, 0)
        XCTAssertEqual(passed.metadata, .object(["k": .null]))
    }
}
