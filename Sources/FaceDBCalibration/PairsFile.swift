import FaceDBCore

/// Parsers for the two pair-list formats FaceDB evaluates on. They read text (the caller reads the
/// file), never crash on malformed input, and throw ``FaceDBError/Code/invalidArgument`` with the
/// 1-based line number and what to do.
///
/// **LFW `pairs.txt`** (``lfw(_:)``): a header line `folds pairsPerFold` (e.g. `10 300`), then for
/// every fold `pairsPerFold` same-person lines `name i j` followed by `pairsPerFold`
/// different-person lines `nameA i nameB j`, separated by tabs or spaces. Blank lines are ignored.
///
/// **CSV** (``csv(_:)``): a header naming the columns `a`, `b` and `same` (any order, other columns
/// ignored), then one pair per line. `a` and `b` are an embedding — a JSON array `[0.1, 0.2]` or
/// numbers separated by spaces or semicolons — or else an image path. `same` is `1`/`0`,
/// `true`/`false` or `yes`/`no`. Fields may be quoted (`"…"`, with `""` for a quote) to hold
/// commas or line breaks.
public enum PairsFile {
    // MARK: - LFW

    /// Parses an LFW `pairs.txt`. Folds are numbered from 0 in file order.
    public static func lfw(_ text: String) throws -> [LabelledImagePair] {
        let lines = Self.lines(of: text).filter { !$0.fields.isEmpty }
        guard let header = lines.first else {
            throw failure(
                1, "The pairs file is empty.",
                "Give LFW's pairs.txt: a line 'folds pairsPerFold' such as '10 300', then the pairs.")
        }
        guard header.fields.count == 2, let folds = Int(header.fields[0]), let perFold = Int(header.fields[1]),
            folds >= 1, perFold >= 1
        else {
            throw failure(
                header.number, "The first line must be 'folds pairsPerFold' (two positive whole numbers, e.g. '10 300'), not '\(header.text)'.",
                "Use LFW's pairs.txt (View 2) or a file in the same format.")
        }
        var pairs: [LabelledImagePair] = []
        pairs.reserveCapacity(lines.count - 1)
        var next = 1
        for fold in 0..<folds {
            for same in [true, false] {
                for index in 1...perFold {
                    let kind = same ? "same-person" : "different-person"
                    guard next < lines.count else {
                        let missingLine = (lines.last?.number ?? 1) + 1
                        throw failure(
                            missingLine,
                            "The file ends here, but the header '\(header.text)' announces \(perFold) \(kind) pair(s) in fold \(fold + 1) and this is pair \(index).",
                            "Check that the file is complete and that the header matches the pairs in it.")
                    }
                    let line = lines[next]
                    next += 1
                    pairs.append(try lfwPair(line, same: same, fold: fold, kind: kind))
                }
            }
        }
        if next < lines.count {
            throw failure(
                lines[next].number, "There are more lines than the header '\(header.text)' announces (\(folds) fold(s) × \(perFold) × 2 pairs).",
                "Correct the header, or remove the extra lines.")
        }
        return pairs
    }

    private static func lfwPair(_ line: Line, same: Bool, fold: Int, kind: String) throws -> LabelledImagePair {
        let f = line.fields
        let expected = same ? "'name i j'" : "'nameA i nameB j'"
        guard f.count == (same ? 3 : 4) else {
            throw failure(
                line.number, "A \(kind) pair of fold \(fold + 1) must have \(same ? 3 : 4) fields, \(expected); found \(f.count): '\(line.text)'.",
                "Check the line; the header's pairsPerFold sets where same-person pairs end and different-person pairs begin.")
        }
        func number(_ field: String) throws -> Int {
            guard let n = Int(field), n >= 0 else {
                throw failure(
                    line.number, "'\(field)' is not an image number (a whole number ≥ 0) in '\(line.text)'.",
                    "Write the pair as \(expected), where i and j are image numbers.")
            }
            return n
        }
        if same {
            return LabelledImagePair(
                a: ImageRef(name: f[0], number: try number(f[1])),
                b: ImageRef(name: f[0], number: try number(f[2])), same: true, fold: fold)
        }
        return LabelledImagePair(
            a: ImageRef(name: f[0], number: try number(f[1])),
            b: ImageRef(name: f[2], number: try number(f[3])), same: false, fold: fold)
    }

    /// A numbered line of text split at tabs and spaces.
    private struct Line {
        var number: Int
        var text: String
        var fields: [String]
    }

    private static func lines(of text: String) -> [Line] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, scalars in
            var line = String(String.UnicodeScalarView(scalars))
            if line.unicodeScalars.first == "\u{FEFF}" { line.unicodeScalars.removeFirst() }
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            return Line(number: i + 1, text: fields.joined(separator: " "), fields: fields)
        }
    }

    // MARK: - CSV

    /// Parses a CSV pairs file with a header line naming the columns `a`, `b` and `same`.
    public static func csv(_ text: String) throws -> [LabelledPair] {
        let records = try csvRecords(text)
        guard let header = records.first else {
            throw failure(1, "The pairs file is empty.", "Start with the header line 'a,b,same', then one pair per line.")
        }
        let names = header.fields.map { trim($0).lowercased() }
        var column: [String: Int] = [:]
        for name in ["a", "b", "same"] {
            guard let index = names.firstIndex(of: name) else {
                throw failure(
                    header.line, "The header has no column '\(name)'; it names \(names.map { "'\($0)'" }.joined(separator: ", ")).",
                    "Start the file with the header line 'a,b,same'.")
            }
            column[name] = index
        }
        guard records.count > 1 else {
            throw failure(header.line, "The file has a header but no pairs.", "Add one line per pair: a,b,same.")
        }
        var dimension: (count: Int, line: Int)?
        var pairs: [LabelledPair] = []
        pairs.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw failure(
                    record.line, "Expected \(names.count) fields like the header, found \(record.fields.count).",
                    "Quote fields that contain commas, e.g. \"[0.1, 0.2]\" or \"0.1,0.2\".")
            }
            var sides: [PairSide] = []
            for name in ["a", "b"] {
                let side = try pairSide(record.fields[column[name]!], column: name, line: record.line)
                if case .embedding(let vector) = side {
                    if let d = dimension, d.count != vector.count {
                        throw failure(
                            record.line, "The embedding in column \(name) has \(vector.count) numbers, but the one on line \(d.line) has \(d.count).",
                            "All embeddings must come from the same model and have the same length.")
                    }
                    dimension = dimension ?? (vector.count, record.line)
                }
                sides.append(side)
            }
            let same = try label(record.fields[column["same"]!], line: record.line)
            pairs.append(LabelledPair(a: sides[0], b: sides[1], same: same))
        }
        return pairs
    }

    private static func label(_ field: String, line: Int) throws -> Bool {
        switch trim(field).lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default:
            throw failure(
                line, "The 'same' field must be 1/0, true/false or yes/no, not '\(trim(field))'.",
                "Write 1 for a same-person pair and 0 for a different-person pair.")
        }
    }

    private static func pairSide(_ field: String, column: String, line: Int) throws -> PairSide {
        let text = trim(field)
        guard !text.isEmpty else {
            throw failure(line, "Column \(column) is empty.", "Give an image path or an embedding such as [0.1, 0.2].")
        }
        if text.hasPrefix("[") {
            guard text.count >= 2, text.hasSuffix("]") else {
                throw failure(
                    line, "The embedding in column \(column) starts with '[' but does not end with ']'.",
                    "Write it as a JSON array such as \"[0.1, 0.2]\" (quoted, because of the commas).")
            }
            let inner = text.dropFirst().dropLast()
            guard !trim(inner).isEmpty else {
                throw failure(line, "The embedding in column \(column) is empty.", "Give the embedding's numbers, e.g. \"[0.1, 0.2]\".")
            }
            let tokens = inner.split(separator: ",", omittingEmptySubsequences: false).map(trim)
            return .embedding(try numbers(tokens, column: column, line: line))
        }
        let tokens = text.split(whereSeparator: { $0 == ";" || $0.isWhitespace }).map(String.init)
        let numeric = tokens.filter { Float($0) != nil }.count
        if numeric == tokens.count || (text.contains(";") && numeric > 0) {
            return .embedding(try numbers(tokens, column: column, line: line))
        }
        return .path(text)
    }

    private static func numbers(_ tokens: [String], column: String, line: Int) throws -> [Float] {
        try tokens.enumerated().map { i, token in
            guard let x = Float(token), x.isFinite else {
                throw failure(
                    line, "Element \(i + 1) of the embedding in column \(column), '\(token)', is not a finite number.",
                    "Write embeddings as numbers separated by commas inside [ ], or by spaces or semicolons.")
            }
            return x
        }
    }

    /// One CSV record: its fields and the line it starts on.
    private struct Record {
        var line: Int
        var fields: [String]
    }

    /// Splits CSV text into records (RFC 4180: `"` quotes a field, `""` is a quote inside one,
    /// quoted fields may hold commas and line breaks). Blank lines are skipped.
    private static func csvRecords(_ text: String) throws -> [Record] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteLine = 1
        var afterClosingQuote = false

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            afterClosingQuote = false
        }
        func endRecord() {
            endField()
            let blank = fields.count == 1 && trim(fields[0]).isEmpty
            if !blank { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            recordLine = line
        }

        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            i += 1
            if inQuotes {
                if c == "\"" {
                    if i < scalars.count, scalars[i] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case ",":
                endField()
            case "\n":
                line += 1
                endRecord()
            case "\r":
                if i < scalars.count, scalars[i] == "\n" { continue }
                line += 1
                endRecord()
            case "\"" where !afterClosingQuote && trim(String(field)).isEmpty:
                inQuotes = true
                quoteLine = line
                field = String.UnicodeScalarView()
            default:
                if afterClosingQuote {
                    guard c.properties.isWhitespace else {
                        throw failure(
                            line, "Text follows the closing quote of a field.",
                            "Inside a quoted field, write a quote as two quotes (\"\").")
                    }
                } else {
                    field.append(c)
                }
            }
        }
        if inQuotes {
            throw failure(
                quoteLine, "A quoted field opened on this line is never closed.",
                "Close the field with a quote; write quotes inside it as two quotes (\"\").")
        }
        if !fields.isEmpty || !field.isEmpty { endRecord() }
        return records
    }

    // MARK: - Helpers

    private static func trim(_ text: some StringProtocol) -> String {
        var s = Substring(text)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }

    private static func failure(_ line: Int, _ message: String, _ remedy: String) -> FaceDBError {
        FaceDBError(.invalidArgument, "Line \(line): \(message)", remedy: remedy)
    }
}
