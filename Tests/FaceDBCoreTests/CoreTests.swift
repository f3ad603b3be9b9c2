import FaceDBCore
import FaceDBTestSupport
import XCTest

final class CoreTests: XCTestCase {
    func testConcurrentMapKeepsOrderAndRethrowsTheFirstFailureByIndex() throws {
        struct Failure: Error, Equatable { let index: Int }
        XCTAssertEqual(try ConcurrentMap.map(7) { $0 * $0 }, [0, 1, 4, 9, 16, 25, 36])
        XCTAssertThrowsError(
            try ConcurrentMap.map(6) { i -> Int in
                if i == 2 || i == 4 { throw Failure(index: i) }
                return i
            }
        ) { XCTAssertEqual($0 as? Failure, Failure(index: 2)) }
    }

    func testBackgroundTaskRunsAlongsideAndHandsOverItsResultOrError() throws {
        // The task runs while the caller works: it waits for a signal only the caller sends.
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let task = BackgroundTask { () -> [Int] in
            started.signal()
            // Run on the caller's thread, this would time out: the caller signals only after init.
            guard release.wait(timeout: .now() + 10) == .success else { return [] }
            return (0..<5).map { $0 * 3 }
        }
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success)
        release.signal()
        XCTAssertEqual(try task.value(), [0, 3, 6, 9, 12])
        XCTAssertEqual(try task.value(), [0, 3, 6, 9, 12])
        let failing = BackgroundTask { () throws -> Int in throw FaceDBError.unknownIdentity("x") }
        failing.wait()
        XCTAssertThrowsError(try failing.value()) { XCTAssertEqual(($0 as? FaceDBError)?.code, .unknownIdentity) }
    }

    func testPrepareChecksAndNormalizes() throws {
        let l2 = EmbeddingSpace(model: "m", dimension: 3, metric: .l2)
        XCTAssertEqual(try l2.prepare([3, 0, 4]), [3, 0, 4])
        let unit = EmbeddingSpace(model: "m", dimension: 3, metric: .l2, normalize: true)
        XCTAssertEqual(try unit.prepare([3, 0, 4]), [0.6, 0, 0.8])
        XCTAssertTrue(EmbeddingSpace(model: "m", dimension: 3, metric: .cosine, normalize: false).normalize, "cosine always normalizes")
        do {
            _ = try l2.prepare([1, 2])
            XCTFail("accepted a 2-D vector")
        } catch let error as FaceDBError {
            XCTAssertEqual(error.code, .dimensionMismatch)
            XCTAssertEqual(error.expectedDimension, 3)
            XCTAssertEqual(error.givenDimension, 2)
            XCTAssertTrue(error.description.contains("3"))
        }
        XCTAssertThrowsError(try l2.prepare([1, .nan, 2])) { XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidVector) }
        XCTAssertThrowsError(try unit.prepare([0, 0, 0])) { XCTAssertEqual(($0 as? FaceDBError)?.code, .invalidVector) }
        XCTAssertNoThrow(try l2.prepare([0, 0, 0]), "a zero vector is fine for plain L2")
    }

    /// Every kind of non-finite value is found at its position (the check compares exponent bits),
    /// and the extremes of the finite range pass.
    func testEveryNonFiniteValueIsRefusedAtItsPosition() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var rng = SeededGenerator(seed: seed)
        let space = EmbeddingSpace(model: "m", dimension: 37, metric: .l2)
        let bad: [Float] = [.nan, -.nan, .signalingNaN, .infinity, -.infinity, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001)]
        let extremes: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNormalMagnitude, 0, -0.0]
        for value in bad {
            for _ in 0..<20 {
                var vector = (0..<37).map { _ in extremes.randomElement(using: &rng)! }
                let position = Int(rng.next() % 37)
                vector[position] = value
                // Another bad value after the first must not be the one reported.
                if position < 36 { vector[36] = .infinity }
                do {
                    _ = try space.prepare(vector)
                    XCTFail("accepted \(value) at \(position); seed \(seed)")
                } catch let error as FaceDBError {
                    XCTAssertEqual(error.code, .invalidVector, "seed \(seed)")
                    XCTAssertTrue(error.message.contains("at position \(position)."), "\(error.message); seed \(seed)")
                }
            }
        }
        XCTAssertEqual(try space.prepare(Array((0..<37).map { extremes[$0 % extremes.count] })).count, 37)
    }

    func testNormalizedVectorsHaveUnitLength() throws {
        var rng = SeededGenerator(seed: SeededGenerator.seedFromEnvironment())
        let space = EmbeddingSpace(model: "m", dimension: 64, metric: .cosine)
        for _ in 0..<100 {
            let v = try space.prepare((0..<64).map { _ in rng.nextGaussian() * 50 })
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "seed \(rng.seed)")
        }
    }

    func testIndexConfigurationValidation() {
        XCTAssertNoThrow(try IndexConfiguration(kind: .ivfpq, pqM: 16).validate(dimension: 128))
        XCTAssertThrowsError(try IndexConfiguration(kind: .ivfpq, pqM: 16).validate(dimension: 100))
        XCTAssertThrowsError(try IndexConfiguration(kind: .hnsw, hnswM: 1).validate(dimension: 128))
        XCTAssertThrowsError(try IndexConfiguration(nprobe: 0).validate(dimension: 128))
        XCTAssertEqual(IndexConfiguration(nlist: 100).trainingThreshold, 3900)
        XCTAssertThrowsError(try IndexConfiguration(kind: .hnsw, recallTarget: 0).validate(dimension: 128))
        XCTAssertThrowsError(try IndexConfiguration(kind: .hnsw, recallTarget: 1.01).validate(dimension: 128))
        XCTAssertNoThrow(try IndexConfiguration(kind: .hnsw, recallTarget: 1).validate(dimension: 128))
    }

    func testEfSearchIsAutomaticUnlessGiven() throws {
        let auto = IndexConfiguration(kind: .hnsw)
        XCTAssertTrue(auto.tunesEfSearch)
        XCTAssertEqual(auto.recallTarget, IndexConfiguration.defaultRecallTarget)
        XCTAssertEqual(auto.efSearch, IndexConfiguration.defaultEfSearch, "used until the first tuning")
        XCTAssertEqual(auto.description, "hnsw(M=32, efConstruction=80, efSearch=auto for recall 0.98)")
        XCTAssertEqual(IndexConfiguration(kind: .hnsw, recallTarget: 0.99).recallTarget, 0.99)

        let explicit = IndexConfiguration(kind: .hnsw, efSearch: 128, recallTarget: 0.99)
        XCTAssertFalse(explicit.tunesEfSearch, "an explicit efSearch is never tuned")
        XCTAssertNil(explicit.recallTarget)
        XCTAssertEqual(explicit.description, "hnsw(M=32, efConstruction=80, efSearch=128)")
        var set = auto
        set.efSearch = 256
        XCTAssertFalse(set.tunesEfSearch, "assigning efSearch makes it explicit")
        XCTAssertTrue(set.differsOnlyInSearchParameters(from: auto))
        XCTAssertFalse(IndexConfiguration(kind: .ivfpq).tunesEfSearch, "only HNSW has efSearch")

        // JSON: the automatic form round-trips; a configuration stored before automatic tuning
        // existed (no recallTarget) keeps its efSearch as an explicit value.
        for configuration in [auto, explicit] {
            let json = try JSONEncoder().encode(configuration)
            XCTAssertEqual(try JSONDecoder().decode(IndexConfiguration.self, from: json), configuration)
        }
        let old = #"{"efConstruction":80,"efSearch":64,"hnswM":32,"kind":"hnsw","nlist":256,"nprobe":16,"pqBits":8,"pqM":16}"#
        let decoded = try JSONDecoder().decode(IndexConfiguration.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.efSearch, 64)
        XCTAssertNil(decoded.recallTarget)
    }

    func testSpaceValidation() {
        XCTAssertThrowsError(try EmbeddingSpace(model: "", dimension: 3, metric: .l2).validate())
        XCTAssertThrowsError(try EmbeddingSpace(model: "m", dimension: 0, metric: .l2).validate())
        XCTAssertNoThrow(try EmbeddingSpace.dlibResNet.validate())
    }

    func testJSONValueRoundTripAndValidation() throws {
        let value = try JSONValue.parse(#"{"a": [1, 2.5, null, true, "x"], "b": {"c": "d"}}"#)
        XCTAssertEqual(try JSONValue.parse(value.description), value)
        XCTAssertThrowsError(try JSONValue.parse("{nope"))
        XCTAssertNoThrow(try Identity.validate(metadata: value))
        XCTAssertThrowsError(try Identity.validate(metadata: .array([])))
    }

    func testIdentityIDValidation() {
        XCTAssertNoThrow(try Identity.validate(id: "Ada Lovelace (1815)"))
        XCTAssertThrowsError(try Identity.validate(id: ""))
        XCTAssertThrowsError(try Identity.validate(id: "a\u{0}b"))
        XCTAssertThrowsError(try Identity.validate(id: String(repeating: "é", count: 257)))
        XCTAssertNoThrow(try Identity.validate(id: String(repeating: "é", count: 256)))
    }

    func testErrorCodesAreExtensibleAndComparable() {
        let custom = FaceDBError.Code("plugin-specific")
        XCTAssertEqual(custom, FaceDBError.Code("plugin-specific"))
        XCTAssertNotEqual(custom, .io)
        XCTAssertEqual(FaceDBError.unknownIdentity("x").identity, "x")
    }
}
