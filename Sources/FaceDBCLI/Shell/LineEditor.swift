import FaceDBCore

/// Reads lines from the terminal with editing, history and completion (the only part of the shell
/// that touches the terminal; the editing itself is ``LineBuffer``, keys are ``KeyDecoder``,
/// completion is ``ShellCompleter``).
///
/// Keys: Left/Right (Ctrl-B/F), Home/End (Ctrl-A/E), Alt-B/F or Ctrl-Left/Right by word,
/// Backspace, Delete, Ctrl-K/U/W cut to end/start/word, Ctrl-Y paste, Up/Down (Ctrl-P/N) history,
/// Tab completion (twice lists the choices), Ctrl-L clear screen, Ctrl-C drop the line,
/// Ctrl-D quit on an empty line. The line scrolls sideways when wider than the terminal.
final class LineEditor {
    private let terminal: Terminal
    private let completer: ShellCompleter
    /// The history, saved to ``historyPath`` after every line (nil: not saved).
    private(set) var history: LineHistory
    private let historyPath: String?

    /// An editor on `terminal` with `history`.
    init(terminal: Terminal, completer: ShellCompleter, history: LineHistory, historyPath: String?) {
        self.terminal = terminal
        self.completer = completer
        self.history = history
        self.historyPath = historyPath
    }

    /// Shows `prompt` and returns the line entered, or nil at Ctrl-D on an empty line or end of input.
    /// The terminal is in raw mode only while this runs.
    func readLine(prompt: String) -> String? {
        terminal.enableRawMode()
        defer { terminal.restore() }
        var buffer = LineBuffer()
        var decoder = KeyDecoder()
        var lastWasTab = false
        render(prompt, buffer)
        while let byte = terminal.readByte() {
            guard let key = decoder.feed(byte) else { continue }
            let tab = key == .tab
            defer { lastWasTab = tab }
            switch key {
            case .text(let t):
                // A typed or pasted line stops growing at the line limit (1 MiB); the bell says so.
                if buffer.characters.count + t.count <= TextLimits.maximumLineLength {
                    buffer.insert(t)
                } else {
                    terminal.write("\u{7}")
                }
            case .enter:
                terminal.write("\r\n")
                let line = buffer.text
                if history.add(line), let historyPath { history.save(to: historyPath) }
                return line
            case .tab:
                complete(&buffer, prompt: prompt, listing: lastWasTab)
            case .backspace: buffer.deleteBackward()
            case .delete: buffer.deleteForward()
            case .left: buffer.moveLeft()
            case .right: buffer.moveRight()
            case .home: buffer.moveHome()
            case .end: buffer.moveEnd()
            case .wordLeft: buffer.moveWordLeft()
            case .wordRight: buffer.moveWordRight()
            case .killToEnd: buffer.killToEnd()
            case .killToStart: buffer.killToStart()
            case .killWord: buffer.killWordBackward()
            case .yank: buffer.yank()
            case .up: if let entry = history.previous(current: buffer.text) { buffer.set(entry) }
            case .down: if let entry = history.next() { buffer.set(entry) }
            case .clearScreen: terminal.write("\u{1B}[H\u{1B}[2J")
            case .interrupt:
                terminal.write("^C\r\n")
                buffer = LineBuffer()
                history.resetNavigation()
            case .endOfFile:
                if buffer.isEmpty {
                    terminal.write("\r\n")
                    return nil
                }
                buffer.deleteForward()
            case .ignored: break
            }
            render(prompt, buffer)
        }
        terminal.write("\r\n")
        return nil
    }

    private func complete(_ buffer: inout LineBuffer, prompt: String, listing: Bool) {
        let completion = completer.complete(buffer.text, cursor: buffer.cursor)
        if let replacement = completion.replacement {
            buffer.replace(completion.range, with: replacement)
        } else if completion.candidates.count > 1 && listing {
            let shown = completion.candidates.prefix(200)
            let width = (shown.map { ShellTable.width(of: $0) }.max() ?? 0) + 2
            let perLine = max(1, terminal.width / width)
            var text = "\r\n"
            for (i, c) in shown.enumerated() {
                text += c + String(repeating: " ", count: width - ShellTable.width(of: c))
                if (i + 1) % perLine == 0 || i == shown.count - 1 { text += "\r\n" }
            }
            if completion.candidates.count > shown.count { text += "(\(completion.candidates.count - shown.count) more)\r\n" }
            terminal.write(text)
        } else if completion.candidates.isEmpty || completion.candidates.count > 1 {
            terminal.write("\u{07}")  // bell: nothing to add
        }
    }

    private func render(_ prompt: String, _ buffer: LineBuffer) {
        let available = max(terminal.width - ShellTable.width(of: prompt) - 1, 8)
        let view = Self.viewport(buffer.characters, cursor: buffer.cursor, columns: available)
        let visible = String(buffer.characters[view.range])
        let column = ShellTable.width(of: prompt) + view.cursorColumn
        terminal.write("\r" + prompt + visible + "\u{1B}[K\r" + (column > 0 ? "\u{1B}[\(column)C" : ""))
    }

    /// The part of a line shown in `columns` columns so that the cursor is visible, and the
    /// cursor's column within it: the whole line when it fits, else a window scrolled to the cursor.
    static func viewport(_ characters: [Character], cursor: Int, columns: Int) -> (range: Range<Int>, cursorColumn: Int) {
        let widths = characters.map { ShellTable.width(of: $0) }
        if widths.reduce(0, +) < columns {
            return (0..<characters.count, widths[..<cursor].reduce(0, +))
        }
        // Start as far left as possible while the cursor (and the character under it) still fits.
        var start = cursor
        var used = cursor < widths.count ? widths[cursor] : 1
        while start > 0 && used + widths[start - 1] <= columns { start -= 1; used += widths[start] }
        var end = cursor
        var total = widths[start..<cursor].reduce(0, +)
        while end < characters.count && total + widths[end] <= columns { total += widths[end]; end += 1 }
        return (start..<end, widths[start..<cursor].reduce(0, +))
    }
}
