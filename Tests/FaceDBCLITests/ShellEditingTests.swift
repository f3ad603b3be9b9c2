import FaceDBTestSupport
import Foundation
import XCTest

@testable import FaceDBCLI

/// The line editor's pure parts: the editing buffer, key decoding, history, completion, scrolling.
final class ShellEditingTests: XCTestCase {
    func testBufferMovesAndEdits() {
        var b = LineBuffer("show ada")
        XCTAssertEqual(b.cursor, 8)
        b.moveHome()
        b.insert("x")
        XCTAssertEqual(b.text, "xshow ada")
        b.deleteBackward()
        b.deleteBackward()  // at the start: nothing
        XCTAssertEqual(b.text, "show ada")
        b.moveEnd()
        b.moveLeft()
        b.moveLeft()
        b.deleteForward()
        XCTAssertEqual(b.text, "show aa")
        XCTAssertEqual(b.cursor, 6)
        b.moveRight()
        b.moveRight()  // at the end: stays
        XCTAssertEqual(b.cursor, 7)
        b.moveWordLeft()
        XCTAssertEqual(b.cursor, 5)
        b.moveWordLeft()
        XCTAssertEqual(b.cursor, 0)
        b.moveWordRight()
        XCTAssertEqual(b.cursor, 4)
    }

    func testBufferCutsAndPastes() {
        var b = LineBuffer("verify [1, 2] ada", cursor: 7)
        b.killToEnd()
        XCTAssertEqual(b.text, "verify ")
        b.yank()
        XCTAssertEqual(b.text, "verify [1, 2] ada")
        b.killWordBackward()
        XCTAssertEqual(b.text, "verify [1, 2] ")
        XCTAssertEqual(b.killed, "ada")
        b.killWordBackward()
        XCTAssertEqual(b.text, "verify [1, ", "Ctrl-W cuts back to the previous space")
        b.moveLeft()
        b.killToStart()
        XCTAssertEqual(b.text, " ")
        XCTAssertEqual(b.cursor, 0)
        XCTAssertEqual(b.killed, "verify [1,")
    }

    func testBufferKeepsGraphemesWhole() {
        var b = LineBuffer("Zoe")
        b.insert("\u{308}")  // combining diaeresis joins the e
        XCTAssertEqual(b.text, "Zoë")
        XCTAssertEqual(b.characters.count, 3)
        XCTAssertEqual(b.cursor, 3)
        b.insert("👩‍🔬北")
        XCTAssertEqual(b.characters.count, 5)
        b.deleteBackward()
        b.deleteBackward()
        XCTAssertEqual(b.text, "Zoë", "one backspace removes a whole emoji sequence")
        b.replace(0..<1, with: "Bo")
        XCTAssertEqual(b.text, "Booë")
        XCTAssertEqual(b.cursor, 2)
    }

    func testKeyDecoderReadsControlKeysEscapesAndUTF8() {
        var d = KeyDecoder()
        func keys(_ bytes: [UInt8]) -> [KeyDecoder.Key] { bytes.compactMap { d.feed($0) } }
        XCTAssertEqual(
            keys([0x01, 0x05, 0x0B, 0x15, 0x17, 0x7F, 0x08, 0x0D, 0x09, 0x03, 0x04]),
            [.home, .end, .killToEnd, .killToStart, .killWord, .backspace, .backspace, .enter, .tab, .interrupt, .endOfFile])
        XCTAssertEqual(keys(Array("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D\u{1B}[H\u{1B}[F".utf8)), [.up, .down, .right, .left, .home, .end])
        XCTAssertEqual(
            keys(Array("\u{1B}OH\u{1B}OF\u{1B}[1~\u{1B}[4~\u{1B}[3~\u{1B}[7~\u{1B}[8~".utf8)), [.home, .end, .home, .end, .delete, .home, .end])
        XCTAssertEqual(keys(Array("\u{1B}[1;5D\u{1B}[1;5C\u{1B}b\u{1B}f".utf8)), [.wordLeft, .wordRight, .wordLeft, .wordRight])
        XCTAssertEqual(keys(Array("aé北😀".utf8)), [.text("a"), .text("é"), .text("北"), .text("😀")])
        XCTAssertEqual(keys([0xE5, 0x41]), [.text("A")], "a broken UTF-8 sequence is dropped, the next byte kept")
        XCTAssertEqual(keys(Array("\u{1B}[99~x".utf8)), [.ignored, .text("x")])
    }

    func testHistoryNavigatesKeepsTheDraftAndPersists() throws {
        var h = LineHistory(limit: 3)
        XCTAssertTrue(h.add("stats"))
        XCTAssertFalse(h.add("stats"), "a repeat is not kept")
        XCTAssertFalse(h.add("   "), "a blank line is not kept")
        h.add("list")
        XCTAssertEqual(h.previous(current: "sho"), "list")
        XCTAssertEqual(h.previous(current: "list"), "stats")
        XCTAssertNil(h.previous(current: "stats"), "no older entry")
        XCTAssertEqual(h.next(), "list")
        XCTAssertEqual(h.next(), "sho", "down past the newest gives back the draft")
        XCTAssertNil(h.next())
        h.add("a")
        h.add("b")
        XCTAssertEqual(h.entries, ["list", "a", "b"], "only the last 3 are kept")
        let dir = TemporaryDirectory("history")
        let path = dir.path("hist")
        h.save(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(LineHistory.load(from: path, limit: 2).entries, ["a", "b"])
        XCTAssertEqual(LineHistory.load(from: dir.path("missing")).entries, [])
        XCTAssertEqual(LineHistory.defaultPath(database: "/d/db", environment: ["HOME": "/home/u"]), "/home/u/.facedb_history")
        XCTAssertEqual(LineHistory.defaultPath(database: "/d/db", environment: ["HOME": "/home/u", "FACEDB_HISTORY": "/x/h"]), "/x/h")
        XCTAssertEqual(LineHistory.defaultPath(database: "/d/db", environment: [:]), "/d/.facedb_history")
    }

    func testCompletionOfCommandsWordsAndIdentities() {
        let ids = ["ada", "adam", "bob", "Zoë Ångström"]
        var lookups: [String] = []
        let c = ShellCompleter { prefix in
            lookups.append(prefix)
            return ids.filter { $0.hasPrefix(prefix) }
        }
        func complete(_ line: String) -> ShellCompleter.Completion { c.complete(line, cursor: line.count) }
        XCTAssertEqual(complete("ide").replacement, "identify ")
        XCTAssertEqual(complete("").candidates, ShellCommandTable.standard.commandNames.sorted())
        XCTAssertEqual(complete("s").candidates, ["search", "set", "show", "stats"])
        XCTAssertNil(complete("s").replacement, "no common prefix longer than what is typed")
        XCTAssertEqual(complete("add ").candidates, ["face", "identity"])
        XCTAssertEqual(complete("show a").candidates, ["ada", "adam"])
        XCTAssertEqual(complete("show a").replacement, "ada", "the common prefix")
        XCTAssertEqual(complete("show a").range, 5..<6)
        XCTAssertEqual(lookups.last, "a", "ids are looked up by the typed prefix")
        XCTAssertEqual(complete("show b").replacement, "bob ")
        XCTAssertEqual(complete("show Z").replacement, "\"Zoë Ångström\" ", "an id with a space is quoted")
        XCTAssertEqual(complete("show \"Zo").replacement, "\"Zoë Ångström\" ")
        XCTAssertEqual(complete("show \"Zo").range, 5..<8, "the open quote is replaced too")
        XCTAssertEqual(complete("remove identity b").replacement, "bob ")
        XCTAssertEqual(complete("remove face ").candidates, [], "face ids are not completed")
        XCTAssertEqual(complete("verify [1, 2] ad").candidates, ["ada", "adam"])
        XCTAssertEqual(complete("identify [1, 2] ").candidates, ["fusion", "gallery", "k", "margin", "threshold"])
        XCTAssertEqual(
            complete("identify [1, 2] k 3 ").candidates, ["fusion", "gallery", "margin", "threshold"], "options used are not offered again")
        XCTAssertEqual(complete("identify [1, 2] fusion ").candidates, ["best", "mean:2", "mean:3"])
        XCTAssertEqual(complete("set f").candidates, ["format", "fusion"])
        XCTAssertEqual(complete("set format ").candidates, ["json", "table"])
        XCTAssertEqual(complete("help ver").replacement, "verify ")
        XCTAssertEqual(complete("nonsense ").candidates, [])
        // In the middle of a line only the text before the cursor counts.
        let mid = c.complete("show ad trailing", cursor: 7)
        XCTAssertEqual(mid.range, 5..<7)
        var buffer = LineBuffer("show ad trailing", cursor: 7)
        buffer.replace(mid.range, with: mid.replacement!)
        XCTAssertEqual(buffer.text, "show ada trailing")
    }

    func testViewportScrollsToTheCursor() {
        let line = Array("0123456789")
        XCTAssertEqual(LineEditor.viewport(line, cursor: 3, columns: 20).range, 0..<10)
        XCTAssertEqual(LineEditor.viewport(line, cursor: 3, columns: 20).cursorColumn, 3)
        let end = LineEditor.viewport(line, cursor: 10, columns: 5)
        XCTAssertEqual(end.range, 6..<10, "at the end: the last characters and room for the cursor")
        XCTAssertEqual(end.cursorColumn, 4)
        let start = LineEditor.viewport(line, cursor: 0, columns: 5)
        XCTAssertEqual(start.range.lowerBound, 0)
        XCTAssertEqual(start.cursorColumn, 0)
        let wide = LineEditor.viewport(Array("北京北京北京"), cursor: 6, columns: 7)
        XCTAssertEqual(wide.range, 3..<6, "three wide characters (6 columns) and the cursor fill 7 columns")
        XCTAssertEqual(wide.cursorColumn, 6, "wide characters count two columns")
    }
}
