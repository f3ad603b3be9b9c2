import FaceDBTestSupport
import Foundation
import XCTest

/// `facedb shell` on a pseudo-terminal: line editing, completion, history, and the terminal left as
/// it was found (after Ctrl-D and after SIGINT).
final class ShellInteractiveTests: XCTestCase {
    private func database(_ dir: TemporaryDirectory) throws -> String {
        let db = dir.path("db")
        XCTAssertEqual(try runFacedb(["create", db, "--model", "m", "--dim", "3"]).status, 0)
        let r = try runFacedb(["shell", db], input: "add face ada [1, 0, 0] create\nadd face \"Zoë 北京\" [0, 1, 0] create\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        return db
    }

    private func environment(_ dir: TemporaryDirectory) -> [String: String] {
        ["HOME": dir.path, "FACEDB_HISTORY": dir.path("history"), "TERM": "xterm", "PATH": "/usr/bin:/bin"]
    }

    private func sameSettings(_ a: termios, _ b: termios) -> Bool {
        a.c_lflag == b.c_lflag && a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag
    }

    func testEditingCompletionHistoryAndCtrlD() throws {
        let dir = TemporaryDirectory("shell-pty")
        let db = try database(dir)
        let pty = try ShellPty(["shell", db], environment: environment(dir))
        XCTAssertTrue(pty.waitFor("facedb> ").contains("2 identities, 2 faces"), pty.output)
        XCTAssertFalse(pty.isCooked, "raw mode while reading a line")

        // Types keys once the prompt is up (raw mode), waits for `marker` and the next prompt.
        func run(_ keys: String, until marker: String) -> String {
            let mark = pty.mark
            pty.type(keys)
            pty.waitFor(marker, after: mark)
            guard let found = pty.output[mark...].range(of: marker) else {
                XCTFail("no '\(marker)' after typing \(keys.debugDescription): \(pty.output[mark...])")
                return String(pty.output[mark...])
            }
            let next = pty.waitFor("facedb> ", after: found.upperBound)
            XCTAssertTrue(next.contains("facedb> "), "no prompt after '\(marker)': \(next)")
            return String(pty.output[mark...])
        }

        // Tab completes the command, then the quoted UTF-8 id.
        var seen = run("sh\tZ\t\r", until: "updated")
        XCTAssertTrue(seen.contains("show \"Zoë 北京\" "), seen)
        XCTAssertTrue(seen.contains("id         Zoë 北京"), seen)

        // A mistyped command is reported and the session goes on.
        seen = run("lsit\r", until: "Did you mean")
        XCTAssertTrue(seen.contains("Unknown command 'lsit'") && seen.contains("'list'"), seen)

        // Up twice recalls the `show` line.
        seen = run("\u{1B}[A\u{1B}[A\r", until: "updated")
        XCTAssertTrue(seen.contains("id         Zoë 北京"), seen)

        // Ctrl-A, Delete, insert, Ctrl-E, Ctrl-W: "hhow ada junk" becomes "show ada ".
        seen = run("hhow ada junk\u{01}\u{1B}[3~s\u{05}\u{17}\r", until: "updated")
        XCTAssertTrue(seen.contains("id         ada"), seen)
        XCTAssertFalse(seen.contains("error"), seen)

        // Ctrl-U drops the start of the line; Ctrl-C drops the whole line.
        seen = run("garbage\u{15}stats\r", until: "size on disk")
        XCTAssertTrue(seen.contains("identities") && !seen.contains("error"), seen)
        let mark = pty.mark
        pty.type("remove identity ada\u{03}")
        XCTAssertTrue(pty.waitFor("^C", after: mark).contains("^C"))
        pty.type("\u{04}")
        pty.finish()
        XCTAssertEqual(pty.process.terminationStatus, 0, pty.output)
        XCTAssertTrue(sameSettings(pty.currentAttributes, pty.initialAttributes), "the terminal is restored")

        let history = try String(contentsOfFile: dir.path("history"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(history.first, "show \"Zoë 北京\" ")
        XCTAssertTrue(history.contains("stats") && history.contains("lsit"), "\(history)")
        XCTAssertFalse(history.contains { $0.contains("remove") }, "a line dropped with Ctrl-C is not kept")
        // The identity was not removed.
        XCTAssertTrue(try runFacedb(["shell", db], input: "list\n").stdout.contains("ada"))
    }

    func testSigintRestoresTheTerminal() throws {
        let dir = TemporaryDirectory("shell-pty")
        let db = try database(dir)
        let pty = try ShellPty(["shell", db, "--no-history"], environment: environment(dir))
        pty.waitFor("facedb> ")
        pty.type("show a")
        pty.waitFor("show a")
        XCTAssertFalse(pty.isCooked, "raw mode while reading a line")
        pty.process.interrupt()
        pty.finish()
        XCTAssertEqual(pty.process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(pty.process.terminationStatus, SIGINT)
        XCTAssertTrue(sameSettings(pty.currentAttributes, pty.initialAttributes), "the terminal is restored after SIGINT")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("history")), "--no-history writes no file")
    }
}
