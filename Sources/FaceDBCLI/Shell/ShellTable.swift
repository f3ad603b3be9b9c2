/// Aligned text tables whose columns line up for any UTF-8 text: widths are counted in terminal
/// columns (East Asian wide characters and emoji take two, combining marks none).
struct ShellTable {
    /// The column titles.
    var header: [String]
    /// The rows; a short row leaves its last cells empty.
    var rows: [[String]]

    /// The table as lines: the header, a rule of dashes, the rows; columns two spaces apart and
    /// trailing spaces trimmed.
    func render() -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columns)
        for row in [header] + rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], Self.width(of: Self.clean(cell))) }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for i in 0..<columns {
                let cell = i < cells.count ? Self.clean(cells[i]) : ""
                out += cell
                if i < columns - 1 { out += String(repeating: " ", count: widths[i] - Self.width(of: cell) + 2) }
            }
            while out.last == " " { out.removeLast() }
            return out
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// Name–value pairs as two aligned columns without a header.
    static func pairs(_ pairs: [(String, String)]) -> String {
        let width = pairs.map { Self.width(of: $0.0) }.max() ?? 0
        return pairs.map { name, value in
            name + String(repeating: " ", count: width - Self.width(of: name) + 2) + clean(value)
        }.joined(separator: "\n")
    }

    /// Control characters (a newline in metadata, an escape sequence in an id) shown as visible
    /// escapes (``HumanText/safe(_:keepingLineBreaks:)``), so that a cell stays on its line and the
    /// terminal obeys nothing in it.
    static func clean(_ text: String) -> String { HumanText.safe(text) }

    /// The number of terminal columns `text` takes.
    static func width(of text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// The number of terminal columns one character takes: 2 for wide characters (CJK, Hangul,
    /// full-width forms, emoji), 0 for a lone combining mark or zero-width character, else 1.
    static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        let v = first.value
        if v == 0x200B || v == 0x200C || v == 0x200D || v == 0xFEFF { return 0 }
        if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark { return 0 }
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}
