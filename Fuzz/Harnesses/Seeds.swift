import FaceDBCore
import FaceDBIndex
import Foundation

/// The generated seeds (`facedb-fuzz --make-seeds Fuzz/Corpus`): small valid files of each format,
/// written as `<harness>/gen-<what>`. The image seeds are copies of the decoder's test fixtures
/// and the regression inputs are crashes once found; neither is generated.
enum Seeds {
    static func write(to directory: String) throws {
        var seeds: [(harness: String, name: String, bytes: [UInt8])] = []
        func add(_ harness: String, _ name: String, _ bytes: [UInt8]) { seeds.append((harness, "gen-" + name, bytes)) }
        func add(_ harness: String, _ name: String, _ text: String) { add(harness, name, Array(text.utf8)) }

        // .npy: float32, float16 and float64 matrices, format versions 1 and 2, and no rows.
        add("npy", "f4-v1", npy(descr: "<f4", rows: 3, dimension: 4, version: 1) { Float($0).bitPatternBytes })
        add("npy", "f2-v1", npy(descr: "<f2", rows: 2, dimension: 3, version: 1) { [0x00, UInt8(0x3C + $0 % 2)] })
        add("npy", "f8-v2", npy(descr: "<f8", rows: 4, dimension: 2, version: 2) { Double($0).bitPatternBytes })
        add("npy", "f4-empty", npy(descr: "<f4", rows: 0, dimension: 4, version: 1) { _ in [] })

        // .fvecs: three vectors of dimension 4; an empty file.
        add("fvecs", "d4", (0..<3).flatMap { v in Int32(4).littleEndianBytes + (0..<4).flatMap { Float(v * 4 + $0).bitPatternBytes } })
        add("fvecs", "empty", [UInt8]())

        // JSON Lines and CSV embedding files.
        add(
            "jsonl", "rows",
            """
            {"identity": "ada", "embedding": [0.1, -0.2, 0.3, 4e-1], "face_id": 17, "metadata": {"camera": "lobby", "n": [1, 2.5, null, true]}}
            {"identity":"Zoë Ångström","embedding":[1,2,3,4]}
            {"identity": "bob", "embedding": [0.5, "x", 1e400, -0]}

            """)
        add(
            "csv", "rows",
            """
            \u{FEFF}identity,face_id,metadata,e0,e1,e2,e3
            ada,17,"{""camera"": ""lobby""}",0.1,-0.2,0.3,4e-1
            "Zoë, Ångström",,,1,2,3,4\r
            bob,x,{},1,2,3

            """)
        add("csv", "no-optional", "e1,identity,e0\n0.5,ada,1.5\n")

        // Labels in the three formats (the labels harness reads each input as all three).
        add("labels", "plain", "ada\nbob\r\nZoë Ångström\n\n")
        add("labels", "csv", "identity,face_id,metadata\nada,1,\"{\"\"team\"\": \"\"blue\"\"}\"\nbob,,\n")
        add("labels", "jsonl", "{\"identity\": \"ada\", \"face_id\": 3, \"metadata\": {\"a\": [1, {\"b\": null}]}}\n{\"identity\": \"bob\"}\n")

        // Shell lines, one seed each (small inputs run faster): every command, quoting, brackets
        // and comments.
        let shellLines = [
            #"identify [0.1, -0.2, 0.3, 0.4] k 3 fusion mean:2 threshold 0.6 margin 0.03 gallery staff"#,
            #"identify @probes.txt"#,
            #"verify 0.1,0.2,0.3,0.4 ada fusion best"#,
            #"verify [1,2,3,4] [1,2,3,5] threshold 0.5"#,
            #"show "Zoë Ångström""#,
            #"list a limit 10"#,
            #"find team=blue @gallery~sta name!=x prefix a limit 5"#,
            #"add identity ada name 'Ada L.' meta {"team": "blue", "n": [1, 2]} gallery staff"#,
            #"add face ada [0.9, 0.1, 0.0, 0.21] meta {"camera": "lobby"} create"#,
            #"add face bob photo.jpg"#,
            #"remove identity a\ b"#,
            #"remove face 1 2 3"#,
            #"stats"#,
            #"calibrate fmr 1e-3 fpir 0.01 seed 7 dry-run"#,
            #"set k 5"#,
            #"set"#,
            #"help identify"#,
            #"quit # bye"#,
            "add face \"ada\"\t@faces.txt meta {\"a\": \"x y\"}",
            #"show "open quote"#,
            #"LIST 'it''s' limit x"#,
        ]
        for (i, line) in shellLines.enumerated() { add("shell", "line\(i + 1)", line + "\n") }

        // Index snapshots of every kind, each twice: as a file (first byte 0: read as is) and as
        // the file without its checksum (first byte 1: the harness appends a valid one).
        for (name, body) in try snapshots() {
            add("snapshot", name + "-sealed", [1] + body)
            add("snapshot", name + "-file", [0] + IndexSnapshot.sealed(body))
        }

        for seed in seeds {
            let folder = directory + "/" + seed.harness
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(seed.bytes).write(to: URL(fileURLWithPath: folder + "/" + seed.name))
        }
        print("wrote \(seeds.count) seeds under \(directory)")
    }

    /// A `.npy` file of `rows × dimension` elements, element `i` written by `element(i)`.
    static func npy(descr: String, rows: Int, dimension: Int, version: UInt8, element: (Int) -> [UInt8]) -> [UInt8] {
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }".utf8)
        let lengthBytes = version == 1 ? 2 : 4
        while (10 + lengthBytes - 2 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var file: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        file += version == 1 ? Array(UInt16(header.count).littleEndianBytes) : UInt32(header.count).littleEndianBytes
        file += header
        for i in 0..<rows * dimension { file += element(i) }
        return file
    }

    /// Snapshot bodies (everything before the checksum) of small indexes of each kind.
    static func snapshots() throws -> [(String, [UInt8])] {
        var generator = SplitMix64(seed: 17)
        func vectors(_ n: Int, _ d: Int) -> [Float] {
            (0..<n * d).map { _ in Float(generator.next() % 2000) / 1000 - 1 }
        }
        func body(_ index: VectorIndex, tuning: EfSearchTuning? = nil) throws -> [UInt8] {
            if let tuning { try index.adopt(tuning) }
            let payload = try index.serialized()
            let stamp = IndexSnapshot.Stamp(sequence: 42, storeID: (0..<16).map { UInt8($0) }, digest: VectorDigest(value: 7))
            return try IndexSnapshot.header(of: index, stamp: stamp) + UInt64(payload.count).littleEndianBytes + payload
        }
        func make(_ configuration: IndexConfiguration, _ n: Int, d: Int = 4, metric: Metric = .l2, remove: [Int64] = []) throws -> VectorIndex {
            let index = try VectorIndex(configuration: configuration, dimension: d, metric: metric)
            if n > 0 { try index.add(ids: (0..<Int64(n)).map { $0 * 3 + 1 }, vectors: vectors(n, d)) }
            if !remove.isEmpty { _ = try index.remove(ids: remove) }
            return index
        }
        let tuning = EfSearchTuning(efSearch: 32, recall: 0.99, standardError: 0.003, target: 0.98, faces: 12, sampleSize: 12, seconds: 0.01)
        return [
            ("flat", try body(make(.flat, 5))),
            ("flat-empty-ip", try body(make(.flat, 0, metric: .innerProduct))),
            ("hnsw", try body(make(IndexConfiguration(kind: .hnsw, hnswM: 4, efConstruction: 16), 12, remove: [4]), tuning: tuning)),
            ("hnsw-cosine", try body(make(IndexConfiguration(kind: .hnsw, hnswM: 2, efConstruction: 8, efSearch: 16), 6, d: 2, metric: .cosine))),
            ("ivf-staged", try body(make(IndexConfiguration(kind: .ivf, nlist: 2, nprobe: 1), 3))),
            ("ivf", try body(make(IndexConfiguration(kind: .ivf, nlist: 2, nprobe: 2), 80, d: 2, remove: [1]))),
            ("ivfpq", try body(make(IndexConfiguration(kind: .ivfpq, nlist: 1, nprobe: 1, pqM: 2, pqBits: 4), 40, d: 2, remove: [7]))),
        ]
    }
}

extension FixedWidthInteger {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}

extension BinaryFloatingPoint where Self: BitPatternConvertible {
    var bitPatternBytes: [UInt8] { bits.littleEndianBytes }
}

/// Floats whose bit pattern is written little-endian.
protocol BitPatternConvertible { associatedtype Bits: FixedWidthInteger; var bits: Bits { get } }
extension Float: BitPatternConvertible { var bits: UInt32 { bitPattern } }
extension Double: BitPatternConvertible { var bits: UInt64 { bitPattern } }
