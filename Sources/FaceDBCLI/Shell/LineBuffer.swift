/// The text being edited on the shell's input line and the cursor in it: every editing key is a
/// pure operation here, so editing is tested without a terminal.
///
/// Positions count `Character`s (grapheme clusters), so the cursor never lands inside an accented
/// letter or an emoji.
struct LineBuffer: Equatable {
    /// The characters of the line.
    private(set) var characters: [Character]
    /// The cursor: 0 is before the first character, `characters.count` after the last.
    private(set) var cursor: Int
    /// The text last cut by Ctrl-K, Ctrl-U or Ctrl-W, pasted back by Ctrl-Y.
    private(set) var killed = ""

    /// A buffer holding `text` with the cursor at its end (or at `cursor`).
    init(_ text: String = "", cursor: Int? = nil) {
        characters = Array(text)
        self.cursor = min(max(cursor ?? characters.count, 0), characters.count)
    }

    /// The line's text.
    var text: String { String(characters) }

    /// Whether the line is empty.
    var isEmpty: Bool { characters.isEmpty }

    /// Inserts `text` at the cursor and moves the cursor past it. A combining mark joins the
    /// character before it, as it does on screen.
    mutating func insert(_ text: String) {
        let before = String(characters[..<cursor]) + text
        let after = characters[cursor...]
        let merged = Array(before)
        characters = merged + after
        cursor = merged.count
        // Re-cluster across the seam (a combining mark typed before existing text).
        let whole = Array(String(characters))
        if whole.count != characters.count {
            characters = whole
            cursor = min(cursor, characters.count)
        }
    }

    /// Replaces everything with `text`, cursor at the end (history recall).
    mutating func set(_ text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    /// Replaces the characters in `range` with `text` and puts the cursor after it (completion).
    mutating func replace(_ range: Range<Int>, with text: String) {
        let lower = min(max(range.lowerBound, 0), characters.count)
        let upper = min(max(range.upperBound, lower), characters.count)
        let head = String(characters[..<lower]) + text
        characters = Array(head + String(characters[upper...]))
        cursor = min(Array(head).count, characters.count)
    }

    /// Left arrow, Ctrl-B.
    mutating func moveLeft() { if cursor > 0 { cursor -= 1 } }
    /// Right arrow, Ctrl-F.
    mutating func moveRight() { if cursor < characters.count { cursor += 1 } }
    /// Home, Ctrl-A.
    mutating func moveHome() { cursor = 0 }
    /// End, Ctrl-E.
    mutating func moveEnd() { cursor = characters.count }

    /// Alt-B: to the start of the word before the cursor.
    mutating func moveWordLeft() { cursor = wordStart(before: cursor) }

    /// Alt-F: to the end of the word after the cursor.
    mutating func moveWordRight() {
        var i = cursor
        while i < characters.count && characters[i].isWhitespace { i += 1 }
        while i < characters.count && !characters[i].isWhitespace { i += 1 }
        cursor = i
    }

    /// Backspace: deletes the character before the cursor.
    mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Delete: deletes the character under the cursor.
    mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Ctrl-K: cuts from the cursor to the end of the line.
    mutating func killToEnd() {
        guard cursor < characters.count else { return }
        killed = String(characters[cursor...])
        characters.removeSubrange(cursor...)
    }

    /// Ctrl-U: cuts from the start of the line to the cursor.
    mutating func killToStart() {
        guard cursor > 0 else { return }
        killed = String(characters[..<cursor])
        characters.removeSubrange(..<cursor)
        cursor = 0
    }

    /// Ctrl-W: cuts the word before the cursor (and the spaces between it and the cursor).
    mutating func killWordBackward() {
        let start = wordStart(before: cursor)
        guard start < cursor else { return }
        killed = String(characters[start..<cursor])
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Ctrl-Y: pastes the text last cut.
    mutating func yank() { if !killed.isEmpty { insert(killed) } }

    private func wordStart(before position: Int) -> Int {
        var i = position
        while i > 0 && characters[i - 1].isWhitespace { i -= 1 }
        while i > 0 && !characters[i - 1].isWhitespace { i -= 1 }
        return i
    }
}
