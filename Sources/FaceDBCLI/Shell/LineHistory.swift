import FaceDBCore
import Foundation

/// The lines entered before, navigated with Up and Down, and kept in a file between sessions
/// (one line per entry, newest last; see ``defaultPath(database:)``).
struct LineHistory: Equatable {
    /// The entries, oldest first.
    private(set) var entries: [String]
    /// At most this many entries are kept.
    let limit: Int
    /// The entry shown, or `entries.count` for the line being typed.
    private var position: Int
    /// The line being typed when navigation started.
    private var draft = ""

    /// A history holding `entries` (only the last `limit` are kept).
    init(entries: [String] = [], limit: Int = 1000) {
        self.limit = max(limit, 1)
        self.entries = Array(entries.suffix(self.limit))
        position = self.entries.count
    }

    /// Records an entered line: blank lines and a repeat of the last entry are not kept.
    /// Navigation starts again from the bottom. Returns whether the line was kept.
    @discardableResult
    mutating func add(_ line: String) -> Bool {
        defer { position = entries.count; draft = "" }
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, line != entries.last else { return false }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        return true
    }

    /// Up: the entry before the one shown, or nil at the oldest. `current` is the line on screen,
    /// remembered as the draft when leaving the bottom.
    mutating func previous(current: String) -> String? {
        guard position > 0 else { return nil }
        if position == entries.count { draft = current }
        position -= 1
        return entries[position]
    }

    /// Down: the entry after the one shown, the draft after the newest, or nil at the bottom.
    mutating func next() -> String? {
        guard position < entries.count else { return nil }
        position += 1
        return position == entries.count ? draft : entries[position]
    }

    /// Back to the bottom (the line being typed), forgetting the draft.
    mutating func resetNavigation() {
        position = entries.count
        draft = ""
    }

    /// The history file: `$FACEDB_HISTORY` when set, else `~/.facedb_history`, else (no home
    /// directory) `.facedb_history` next to the database directory.
    static func defaultPath(database: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["FACEDB_HISTORY"], !explicit.isEmpty { return explicit }
        if let home = environment["HOME"], !home.isEmpty { return (home as NSString).appendingPathComponent(".facedb_history") }
        let parent = (URL(fileURLWithPath: database).standardizedFileURL.deletingLastPathComponent().path)
        return (parent as NSString).appendingPathComponent(".facedb_history")
    }

    /// Reads a history file (missing or unreadable: empty).
    static func load(from path: String, limit: Int = 1000) -> LineHistory {
        guard FileManager.default.fileExists(atPath: path), let text = try? BoundedLineReader.document(at: path) else {
            return LineHistory(limit: limit)  // missing, unreadable or over the limits
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return LineHistory(entries: lines, limit: limit)
    }

    /// Writes the entries to `path` (mode 0600: commands may name people), atomically through
    /// ``OutputFile``. A link (a dotfile kept elsewhere) is followed to its target, which must pass
    /// ``OutputPathGuard`` like any output (no directory, nothing inside a database). Failures are
    /// ignored: history is a convenience.
    func save(to path: String) {
        var target = path
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = realpath(path, nil) else { return }
            target = String(cString: resolved)
            free(resolved)
        }
        guard (try? OutputPathGuard(force: true).check(target, what: "The history file")) != nil else { return }
        let text = entries.map { $0 + "\n" }.joined()
        try? OutputFile.write(Array(text.utf8), to: target, permissions: 0o600)
    }
}
