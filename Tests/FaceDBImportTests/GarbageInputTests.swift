import FaceDBCore
import FaceDBImport
import FaceDBTestSupport
import XCTest

/// Seeded random and mutated bytes fed to every reader: each case must end in an error or in
/// items (rows or rejected rows), never in a crash or an endless loop.
final class GarbageInputTests: XCTestCase {
    private static let tokens = [
        "{", "}", "[", "]", ",", ":", "\"", "\"\"", "\n", "\r\n", " ", "\\", "\\u00e9", "\\ud800",
        "identity", "embedding", "face_id", "metadata", "e0", "e1", "1", "-0.5e3", "nan", "1e99",
        "true", "null", "Zoë", "\u{FEFF}", "\u{0}", "9223372036854775808",
    ]

    /// Random bytes, or random JSON/CSV-like tokens, or a valid file with random bytes changed or cut.
    private func garbage(_ generator: inout SeededGenerator, valid: [UInt8]) -> [UInt8] {
        switch generator.next() % 3 {
        case 0:
            return (0..<Int(generator.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        case 1:
            return Array((0..<Int(generator.next() % 300)).map { _ in Self.tokens[Int(generator.next() % UInt64(Self.tokens.count))] }.joined().utf8)
        default:
            var bytes = valid
            for _ in 0..<(1 + generator.next() % 8) where !bytes.isEmpty {
                bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 2 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1)))) }
            return bytes
        }
    }

    func testGarbageNeverCrashesAnyReader() throws {
        let seed = SeededGenerator.seedFromEnvironment()
        var generator = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("garbage")
        let rows: [[Float]] = (0..<20).map { i in [Float(i), 1, -2, 0.5] }
        let validNpy = NpyWriter.file(dict: NpyWriter.dict(descr: "<f4", shape: [20, 4]), version: 2, data: NpyWriter.float32(rows))
        let validFvecs = FvecsWriter.file(rows)
        let validJSONL = Array(
            (0..<20).map { #"{"identity": "p\#($0)", "face_id": \#($0), "embedding": [1, 2, 3, 4], "metadata": {"k": [1]}}"# + "\n" }.joined().utf8)
        let validCSV = Array(("identity,face_id,metadata,e0,e1\r\n" + (0..<20).map { "\"p, \($0)\",\($0),\"{\"\"k\"\": 1}\",1,2\r\n" }.joined()).utf8)
        let validLabelsCSV = Array(("identity,face_id,metadata\n" + (0..<20).map { "p\($0),\($0),\"{}\"\n" }.joined()).utf8)
        let validLabelsJSONL = Array((0..<20).map { #"{"identity": "p\#($0)", "face_id": \#($0)}"# + "\n" }.joined().utf8)
        let goodLabels = write(plainLabels(20), to: "good.txt", in: dir)
        let goodNpy = write(validNpy, to: "good.npy", in: dir)

        var outcomes = [String: (items: Int, errors: Int)]()
        for trial in 0..<420 {
            let kind = trial % 7
            let name = ["npy", "fvecs", "jsonl", "csv", "labels.txt", "labels.csv", "labels.jsonl"][kind]
            let items: Int
            let failed: Bool
            let result: Drained
            do {
                switch kind {
                case 0:
                    let path = write(garbage(&generator, valid: validNpy), to: "g.npy", in: dir)
                    result = drain(try NpyReader(path: path, labels: LabelsReader(path: goodLabels)))
                case 1:
                    let path = write(garbage(&generator, valid: validFvecs), to: "g.fvecs", in: dir)
                    result = drain(try FvecsReader(path: path, labels: LabelsReader(path: goodLabels)))
                case 2:
                    result = drain(try JSONLinesReader(path: write(garbage(&generator, valid: validJSONL), to: "g.jsonl", in: dir)))
                case 3:
                    result = drain(try CSVReader(path: write(garbage(&generator, valid: validCSV), to: "g.csv", in: dir)))
                case 4:
                    let labels = write(garbage(&generator, valid: Array(plainLabels(20).utf8)), to: "g.txt", in: dir)
                    result = drain(try NpyReader(path: goodNpy, labels: LabelsReader(path: labels)))
                case 5:
                    let labels = write(garbage(&generator, valid: validLabelsCSV), to: "g.csv", in: dir)
                    result = drain(try NpyReader(path: goodNpy, labels: LabelsReader(path: labels)))
                default:
                    let labels = write(garbage(&generator, valid: validLabelsJSONL), to: "g.jsonl", in: dir)
                    result = drain(try NpyReader(path: goodNpy, labels: LabelsReader(path: labels)))
                }
                items = result.items.count
                failed = result.error != nil
                if let error = result.error {
                    XCTAssertNotNil(error as? FaceDBError, "seed \(seed), trial \(trial) (\(name)): \(error)")
                }
                if kind == 0 || kind == 1 || kind >= 4 {
                    XCTAssertLessThanOrEqual(items, 20, "seed \(seed), trial \(trial) (\(name))")
                }
            } catch {
                XCTAssertNotNil(error as? FaceDBError, "seed \(seed), trial \(trial): \(error)")
                items = 0
                failed = true
            }
            var tally = outcomes[name, default: (0, 0)]
            tally.items += items
            tally.errors += failed ? 1 : 0
            outcomes[name] = tally
        }
        XCTAssertEqual(outcomes.count, 7)
        for (name, tally) in outcomes {
            XCTAssertGreaterThan(tally.errors + tally.items, 0, "seed \(seed): \(name) saw nothing")
        }
    }
}
