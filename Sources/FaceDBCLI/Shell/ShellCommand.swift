import ArgumentParser
import FaceDB
import FaceDBCore
import Foundation

/// `facedb shell`: a query shell on one database, interactive on a terminal, a script runner otherwise.
struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Query and edit a database interactively, or run a script of shell commands.",
        discussion: """
            On a terminal: line editing, history (Up/Down; kept in $FACEDB_HISTORY, else ~/.facedb_history),
            Tab completion of commands and identity ids, and errors that do not end the session.
            With standard input from a file or pipe: runs each line (blank lines and # comments are
            skipped), prints the results, and stops with exit status 1 at the first failed line (its
            number is on standard error) unless --continue-on-error or `set continue on` is given;
            then the exit status is 1 if any line failed. Type `help` inside the shell for the commands.
            Example:
              facedb shell people.facedb
              facedb shell people.facedb --json < script.txt | jq .decision
              printf 'add identity ada\\nadd face ada [0.1, 0.2, 0.3]\\n' | facedb shell people.facedb
            """)

    @Argument(help: "The database directory.")
    var database: String

    @OptionGroup var keyOptions: KeyOptions

    @Flag(help: "Print one JSON object per result line (JSON Lines) instead of tables.")
    var json = false

    @Flag(help: "Keep running a script after a failed line (the exit status is still 1).")
    var continueOnError = false

    @Option(help: "The history file (default: $FACEDB_HISTORY, else ~/.facedb_history).")
    var history: String?

    @Flag(help: "Do not read or write a history file.")
    var noHistory = false

    func run() throws {
        var failed = false
        try CLIError.reporting {
            let db = try Self.open(database, key: try keyOptions.key())
            defer { try? db.close() }
            var settings = ShellSettings()
            settings.format = json ? .json : .table
            settings.continueOnError = continueOnError
            let session = ShellSession(db: db, settings: settings)
            if Terminal.isInteractive {
                interactive(session)
            } else {
                // Typing on a terminal with the output redirected: no editor, but errors do not end it.
                failed = script(session, typed: isatty(STDIN_FILENO) != 0)
            }
        }
        if failed { throw ExitCode(CLIError.failure) }
    }

    /// Opens the database for writing or, when its disk is full or another process writes it,
    /// read-only with a warning: queries still work and every write says why it cannot be made.
    static func open(_ database: String, key: EncryptionKey?) throws -> FaceDatabase {
        do {
            return try FaceDatabase.open(at: database, options: CommandLog.options(key: key))
        } catch let error as FaceDBError where error.code == .databaseLocked {
            FileHandle.standardError.write(
                Data(
                    "warning: another process has the database open for writing.\n  The shell reads beside it: queries see its writes as of now (restart the shell to see later ones); writes are refused.\n"
                        .utf8))
            return try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: key))
        } catch let error as FaceDBError where error.code == .diskFull {
            FileHandle.standardError.write(
                Data("warning: \(error.message)\n  The shell opens the database read-only: queries work, writes are refused.\n".utf8))
            return try FaceDatabase.open(at: database, options: CommandLog.options(readOnly: true, key: key))
        }
    }

    /// Runs lines from the terminal until `quit` or Ctrl-D; errors are printed and the session goes on.
    private func interactive(_ session: ShellSession) {
        let terminal = Terminal()
        let path = noHistory ? nil : (history ?? LineHistory.defaultPath(database: database))
        let completer = ShellCompleter(table: session.table) { prefix in
            (try? session.db.identityIDs(prefix: prefix, limit: 500)) ?? []
        }
        let editor = LineEditor(
            terminal: terminal, completer: completer,
            history: path.map { LineHistory.load(from: $0) } ?? LineHistory(), historyPath: path)
        let space = session.db.space
        print(
            "facedb shell: \(database) — \(session.db.identityCount) identities, \(session.db.faceCount) faces, "
                + "\(space.model) \(space.dimension)-D \(space.metric.rawValue). Type `help`, or `quit`.")
        while let line = editor.readLine(prompt: "facedb> ") {
            do {
                if try session.run(line: line) == .quit { break }
            } catch {
                report(error, line: nil)
            }
            fflush(nil)
        }
        terminal.restore()
    }

    /// Runs lines from standard input; returns whether any failed. `typed`: the lines come from a
    /// terminal (prompts go to standard error, and a failed line neither stops nor fails the run).
    private func script(_ session: ShellSession, typed: Bool) -> Bool {
        var number = 0
        var failed = false
        func prompt() { if typed { FileHandle.standardError.write(Data("facedb> ".utf8)) } }
        prompt()
        // Lines of at most 1 MiB; a script may be of any length (it is run line by line).
        let input = BoundedLineReader(descriptor: 0, name: "standard input", maximumTotalLength: nil)
        while true {
            let line: String
            do {
                guard let next = try input.readLine() else { break }
                line = next
            } catch {
                report(error, line: typed ? nil : number + 1)
                failed = true
                break
            }
            number += 1
            do {
                if try session.run(line: line) == .quit { break }
            } catch {
                report(error, line: typed ? nil : number)
                if !typed {
                    failed = true
                    if !session.settings.continueOnError { break }
                }
            }
            fflush(nil)
            prompt()
        }
        return failed
    }

    /// Prints an error on standard error (after flushing results, so the order is kept).
    private func report(_ error: any Error, line: Int?) {
        fflush(nil)
        let place = line.map { "line \($0): " } ?? ""
        var text: String
        if let error = error as? FaceDBError {
            text = "error: \(place)\(error.message)"
            if let remedy = error.remedy { text += "\n  \(remedy)" }
            if let cause = error.cause { text += "\n  cause: \(cause)" }
        } else {
            text = "error: \(place)\(error)"
        }
        HumanText.warn(text)
    }
}
