/// One record of a CSV file: its fields, or why they could not be split.
struct CSVRecord {
    /// The 1-based line the record starts on.
    var line: Int
    /// The fields, or why the record is malformed.
    var fields: Result<[String], Rejection>
    /// Whether the record is an empty line.
    var isBlank: Bool
}

/// Splits a CSV file (RFC 4180) into records: fields separated by commas, optionally in double
/// quotes, a quote inside quotes doubled (`""`), quoted fields may span lines. Reads line by line
/// from a ``ChunkedFile`` so memory stays bounded by the longest record.
struct CSVRecordReader {
    private let file: ChunkedFile

    init(file: ChunkedFile) { self.file = file }

    /// The next record, or nil at the end of the file.
    /// - Throws: when the file cannot be read or a quoted field runs longer than a line may be.
    mutating func next() throws -> CSVRecord? {
        guard let first = try file.readLine() else { return nil }
        let line = file.lineNumber
        if first.isEmpty { return CSVRecord(line: line, fields: .success([""]), isBlank: true) }
        var splitter = Splitter()
        var text = first
        var recordBytes = 0
        while true {
            recordBytes += text.count
            if let problem = splitter.consume(text) {
                return CSVRecord(line: line, fields: .failure(Rejection(problem)), isBlank: false)
            }
            if !splitter.inQuotes { break }
            guard let more = try file.readLine() else {
                return CSVRecord(line: line, fields: .failure(Rejection("a quoted field is not closed before the end of the file")), isBlank: false)
            }
            if recordBytes > file.maximumLineLength {
                return CSVRecord(
                    line: line, fields: .failure(Rejection("a quoted field is not closed within \(file.maximumLineLength) bytes")), isBlank: false)
            }
            splitter.field.append(UInt8(ascii: "\n"))
            text = more
        }
        return CSVRecord(line: line, fields: splitter.finish(), isBlank: false)
    }

    /// The field-splitting state machine, fed one line at a time.
    private struct Splitter {
        var fields = [String]()
        var field = [UInt8]()
        var inQuotes = false
        var fieldWasQuoted = false
        var afterClosingQuote = false
        var invalidUTF8 = false

        /// Consumes one line; returns a complaint when the quoting is malformed.
        mutating func consume(_ line: [UInt8]) -> String? {
            for byte in line {
                if inQuotes {
                    if byte == UInt8(ascii: "\"") {
                        inQuotes = false
                        afterClosingQuote = true
                    } else {
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\""):
                    if afterClosingQuote {  // a doubled quote inside a quoted field
                        field.append(byte)
                        inQuotes = true
                        afterClosingQuote = false
                    } else if field.isEmpty && !fieldWasQuoted {
                        inQuotes = true
                        fieldWasQuoted = true
                    } else {
                        return "field \(fields.count + 1) has a quote inside an unquoted value"
                    }
                default:
                    if afterClosingQuote { return "field \(fields.count + 1) has text after its closing quote" }
                    field.append(byte)
                }
            }
            return nil
        }

        /// Ends the record.
        mutating func finish() -> Result<[String], Rejection> {
            endField()
            if invalidUTF8 { return .failure(Rejection("the line is not valid UTF-8")) }
            return .success(fields)
        }

        private mutating func endField() {
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
            } else {
                invalidUTF8 = true
                fields.append("")
            }
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
            afterClosingQuote = false
        }
    }
}
