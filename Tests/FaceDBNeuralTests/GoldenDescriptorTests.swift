import FaceDBCore
import FaceDBNeural
import XCTest

/// Our descriptors against dlib 20.0.1's on the golden chips (needs the model files).
final class GoldenDescriptorTests: XCTestCase {
    func testEveryGoldenChipMatchesDlibWithin1e5() throws {
        let embedder = FaceEmbedder(model: try RealModel.resnet())
        let faces = try Fixtures.goldenFaces()
        XCTAssertGreaterThanOrEqual(faces.count, 12)
        XCTAssertGreaterThanOrEqual(Set(faces.map(\.person)).count, 8)
        var worst: Float = 0
        for face in faces {
            let ours = try embedder.descriptor(for: face.chip)
            XCTAssertEqual(ours.count, 128)
            for i in 0..<128 {
                let d = abs(ours[i] - face.descriptor[i])
                worst = max(worst, d)
                XCTAssertLessThanOrEqual(d, 1e-5, "\(face.name) component \(i): ours \(ours[i]), dlib \(face.descriptor[i])")
            }
        }
        print("golden: max abs difference from dlib over \(faces.count) chips × 128 = \(worst)")
    }

    func testBatchedDescriptorsEqualOneAtATimeAndMatchDlib() throws {
        let faces = try Fixtures.goldenFaces()
        // A batch limit of 5 splits the 12 chips into passes of 5, 5 and 2.
        let embedder = FaceEmbedder(model: try RealModel.resnet(), maximumBatch: 5)
        let batched = try embedder.descriptors(for: faces.map(\.chip))
        XCTAssertEqual(batched.count, faces.count)
        for (face, ours) in zip(faces, batched) {
            let single = try embedder.descriptor(for: face.chip)
            for i in 0..<128 {
                XCTAssertEqual(ours[i], single[i], accuracy: 1e-6, "\(face.name)[\(i)] batched vs single")
                XCTAssertEqual(ours[i], face.descriptor[i], accuracy: 1e-5, "\(face.name)[\(i)] batched vs dlib")
            }
        }
    }

    func testSamePersonIsCloserThanTheThreshold() throws {
        let embedder = FaceEmbedder(model: try RealModel.resnet())
        let faces = try Fixtures.goldenFaces()
        let descriptors = try embedder.descriptors(for: faces.map(\.chip))
        let space = EmbeddingSpace.dlibResNet
        var samePairs = 0
        for i in faces.indices {
            for j in faces.indices where j > i {
                let distance = space.score(descriptors[i], descriptors[j])
                let dlibDistance = space.score(faces[i].descriptor, faces[j].descriptor)
                XCTAssertEqual(distance, dlibDistance, accuracy: 1e-5)
                if faces[i].person == faces[j].person {
                    samePairs += 1
                    XCTAssertLessThan(distance, 0.6, "\(faces[i].name) vs \(faces[j].name)")
                } else {
                    XCTAssertGreaterThan(distance, 0.6, "\(faces[i].name) vs \(faces[j].name)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(samePairs, 2)
    }

    func testShapeWalkOfSpecSection52() throws {
        let model = try RealModel.resnet()
        let walk = model.shapeWalk(samples: 2).map { [$0.samples, $0.channels, $0.rows, $0.columns] }
        var expected: [[Int]] = [[2, 3, 150, 150], [2, 32, 72, 72], [2, 32, 35, 35]]
        expected += Array(repeating: [2, 32, 35, 35], count: 3)
        expected += Array(repeating: [2, 64, 17, 17], count: 4)
        expected += Array(repeating: [2, 128, 8, 8], count: 3)
        expected += Array(repeating: [2, 256, 4, 4], count: 3)
        expected += [[2, 256, 2, 2], [2, 256, 1, 1], [2, 128, 1, 1]]
        XCTAssertEqual(walk, expected)
        // The level1 down unit: block 256×3×3, shortcut 128×4×4, sum 256×4×4.
        let level1 = model.units[10]
        XCTAssertTrue(level1.isDownsampling)
        let input = TensorShape(samples: 1, channels: 128, rows: 8, columns: 8)
        XCTAssertEqual(
            level1.second.outputShape(for: level1.first.outputShape(for: input)!),
            TensorShape(samples: 1, channels: 256, rows: 3, columns: 3))
        XCTAssertEqual(level1.shortcutPool!.outputShape(for: input), TensorShape(samples: 1, channels: 128, rows: 4, columns: 4))
        XCTAssertEqual(model.units.filter(\.isDownsampling).count, 4)
        XCTAssertEqual(model.units.count, 14)
        XCTAssertEqual(model.inputMeans, [122.78199768066406, 117.0009994506836, 104.2979965209961])
        XCTAssertEqual(model.lossMargin, 0.04)
        XCTAssertEqual(model.distanceThreshold, 0.6)
        // Parameter counts of spec 5.2: 29 convolutions with 5,574,720 parameters, fc 32,768.
        let convolutions = [model.stem] + model.units.flatMap { [$0.first, $0.second] }
        XCTAssertEqual(convolutions.count, 29)
        XCTAssertEqual(convolutions.reduce(0) { $0 + $1.weights.count + $1.bias.count }, 5_574_720)
        XCTAssertEqual(model.fullyConnected.weights.count, 32_768)
    }
}
