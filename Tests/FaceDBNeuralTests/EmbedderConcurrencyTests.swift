import FaceDBCore
import FaceDBNeural
import XCTest

/// One embedder shared by several threads (needs the model files).
final class EmbedderConcurrencyTests: XCTestCase {
    func testConcurrentCallersGetTheSameDescriptorsAsOneCaller() throws {
        let embedder = FaceEmbedder(model: try RealModel.resnet(), maximumBatch: 3)
        let faces = Array(try Fixtures.goldenFaces().prefix(6))
        let expected = try embedder.descriptors(for: faces.map(\.chip))
        let results = ResultBox(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            // Each caller embeds the chips in a different rotation and batch shape.
            let order = (0..<faces.count).map { ($0 + caller) % faces.count }
            let descriptors = try? embedder.descriptors(for: order.map { faces[$0].chip })
            results.set(caller, descriptors.map { d in zip(order, d).sorted { $0.0 < $1.0 }.map(\.1) })
        }
        for caller in 0..<4 {
            let got = try XCTUnwrap(results.get(caller), "caller \(caller) threw")
            for (i, (a, b)) in zip(got, expected).enumerated() {
                for k in 0..<128 { XCTAssertEqual(a[k], b[k], accuracy: 1e-6, "caller \(caller) face \(i)[\(k)]") }
            }
        }
    }
}

/// Results written by concurrent callers.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[Float]]?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: [[Float]]?) { lock.lock(); values[i] = value; lock.unlock() }
    func get(_ i: Int) -> [[Float]]? { lock.lock(); defer { lock.unlock() }; return values[i] }
}
