import FaceDBCore
import FaceDBImport

/// The readers of `facedb import`: `.npy` and `.fvecs` (with a labels file), JSON Lines, CSV, and
/// the labels reader in its three formats. Each input is written to a scratch file (the readers
/// stream from files) and read to the end or to the first error.
enum ImportHarness {
    /// Labels for the vector formats: as many as a small seed has rows, so that both a label
    /// mismatch and a clean end are reachable.
    static let labelsPath = Scratch.file("labels.txt", Array("a\nb\nc\nd\n".utf8))

    static func npy(_ input: [UInt8]) throws {
        var reader = try NpyReader(path: Scratch.file("input.npy", input), labels: LabelsReader(path: labelsPath))
        try drain(&reader)
    }

    static func fvecs(_ input: [UInt8]) throws {
        var reader = try FvecsReader(path: Scratch.file("input.fvecs", input), labels: LabelsReader(path: labelsPath))
        try drain(&reader)
    }

    static func jsonLines(_ input: [UInt8]) throws {
        var reader = try JSONLinesReader(path: Scratch.file("input.jsonl", input))
        try drain(&reader)
    }

    static func csv(_ input: [UInt8]) throws {
        var reader = try CSVReader(path: Scratch.file("input.csv", input))
        try drain(&reader)
    }

    /// The same bytes as a plain, a CSV and a JSON Lines labels file.
    static func labels(_ input: [UInt8]) throws {
        for name in ["input.txt", "input.csv", "input.jsonl"] {
            do {
                var reader = try LabelsReader(path: Scratch.file(name, input))
                var count = 0
                while try reader.next() != nil {
                    count += 1
                    precondition(count <= input.count + 1, "more labels than lines")
                }
            } catch is FaceDBError {
                continue
            }
        }
    }

    /// Reads every row; a row never claims more than the input could hold.
    static func drain(_ source: inout some EmbeddingSource) throws {
        var rows = 0
        while try source.next() != nil {
            rows += 1
            precondition(rows <= 1 << 16, "more rows than a fuzz input can hold")
        }
        precondition(source.bytesRead <= source.totalBytes ?? .max, "read past the end of the file")
    }
}
