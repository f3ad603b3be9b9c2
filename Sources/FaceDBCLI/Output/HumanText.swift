import Foundation

/// Human-readable output made safe for a terminal. Identity ids, display names, metadata and paths
/// come from users and files; printed raw, a control character in them (an escape sequence) would
/// be obeyed by the operator's terminal: retitle it, rewrite what is on screen, or worse. Every
/// line a command prints for people goes through ``say(_:)`` or ``warn(_:)``; JSON output is
/// escaped by the JSON encoder instead.
enum HumanText {
    /// `text` with every control character (C0, DEL, C1) written as a visible `\u{XX}` escape.
    /// With `keepingLineBreaks`, newlines and tabs stay as they are (a message's own line breaks);
    /// without, they are escaped too (a field that must stay on its line: an id, a name).
    static func safe(_ text: String, keepingLineBreaks: Bool = false) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            let v = scalar.value
            if keepingLineBreaks && (v == 0x0A || v == 0x09) { return false }
            return v < 0x20 || (0x7F...0x9F).contains(v)
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Prints `text` to standard output, made safe (line breaks kept).
    static func say(_ text: String) {
        print(safe(text, keepingLineBreaks: true))
    }

    /// Writes `text` and a newline to standard error, made safe (line breaks kept).
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((safe(text, keepingLineBreaks: true) + "\n").utf8))
    }
}
