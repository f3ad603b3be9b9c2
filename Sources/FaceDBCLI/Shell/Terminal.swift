import Foundation

/// The settings the terminal had before raw mode, for the signal handler (which may use only
/// async-signal-safe calls, so it reads plain globals).
nonisolated(unsafe) private var savedAttributes = termios()
nonisolated(unsafe) private var rawModeActive: sig_atomic_t = 0

/// Restores the terminal and dies of the signal, as if no handler had been installed.
private func restoreAndReraise(_ signal: Int32) {
    if rawModeActive != 0 { tcsetattr(STDIN_FILENO, TCSANOW, &savedAttributes) }
    Foundation.signal(signal, SIG_DFL)
    raise(signal)
}

/// The controlling terminal on standard input and output: raw mode on and off, its width, and
/// reading bytes. Raw mode is undone by ``restore()``, and also when the process is killed by
/// SIGINT, SIGTERM, SIGHUP or SIGQUIT (the handlers installed by ``init()``).
final class Terminal {
    /// Whether standard input and standard output are both terminals.
    static var isInteractive: Bool { isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0 }

    /// Takes the terminal's current settings as the ones to restore.
    init() {
        tcgetattr(STDIN_FILENO, &savedAttributes)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { signal(s, restoreAndReraise) }
    }

    /// Raw mode: bytes arrive one at a time, unechoed, with no line editing or signals by the
    /// terminal driver (Ctrl-C arrives as a byte the editor handles).
    func enableRawMode() {
        var raw = savedAttributes
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_oflag &= ~tcflag_t(OPOST)
        raw.c_cflag |= tcflag_t(CS8)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        rawModeActive = 1
        tcsetattr(STDIN_FILENO, TCSADRAIN, &raw)  // DRAIN, not FLUSH: keystrokes typed ahead are kept
    }

    /// Back to the settings the terminal had (idempotent).
    func restore() {
        guard rawModeActive != 0 else { return }
        tcsetattr(STDIN_FILENO, TCSADRAIN, &savedAttributes)
        rawModeActive = 0
    }

    /// The terminal's width in columns (80 if unknown).
    var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// The next byte typed, or nil at end of input. Retries when a signal interrupts the read.
    func readByte() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let n = read(STDIN_FILENO, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Writes `text` to the terminal unbuffered.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    deinit { restore() }
}
