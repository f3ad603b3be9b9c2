import Foundation

/// Printing results: aligned tables for people, one JSON object per result for scripts.
enum Output {
    /// Prints `value` as one line of JSON (sorted keys).
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Prints rows as an aligned table with a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        let rows = rows.map { $0.map { HumanText.safe($0) } }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        HumanText.say(line(header))
        for row in rows { HumanText.say(line(row)) }
    }

    /// A score with 4 decimals.
    static func score(_ x: Float) -> String { String(format: "%.4f", x) }
}
