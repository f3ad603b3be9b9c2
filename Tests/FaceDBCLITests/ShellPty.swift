import FaceDBTestSupport
import Foundation
import XCTest

/// The built `facedb` running on a pseudo-terminal, so that the shell is interactive: the test
/// types bytes into the master side and reads what the shell draws.
final class ShellPty {
    /// The running process.
    let process = Process()
    /// The terminal's settings before the shell started.
    let initialAttributes: termios
    private let master: Int32
    private let slave: Int32
    /// Everything read from the terminal so far.
    private(set) var output = ""

    /// Starts `facedb` with `arguments` on a new pseudo-terminal.
    init(_ arguments: [String], environment: [String: String]) throws {
        // glibc declares the pseudo-terminal calls only for _XOPEN_SOURCE, so Swift does not see
        // them; they are looked up in the C library instead.
        typealias Open = @convention(c) (Int32) -> Int32
        typealias Grant = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32
        let libc = dlopen(nil, RTLD_NOW)
        guard let openSymbol = dlsym(libc, "posix_openpt"), let grantSymbol = dlsym(libc, "grantpt"),
            let unlockSymbol = dlsym(libc, "unlockpt"), let nameSymbol = dlsym(libc, "ptsname_r")
        else {
            throw NSError(domain: "ShellPty", code: 1, userInfo: [NSLocalizedDescriptionKey: "no pseudo-terminal calls in libc"])
        }
        master = unsafeBitCast(openSymbol, to: Open.self)(O_RDWR | O_NOCTTY)
        var path = [CChar](repeating: 0, count: 128)
        guard master >= 0, unsafeBitCast(grantSymbol, to: Grant.self)(master) == 0,
            unsafeBitCast(unlockSymbol, to: Grant.self)(master) == 0,
            unsafeBitCast(nameSymbol, to: Name.self)(master, &path, path.count) == 0
        else {
            throw NSError(domain: "ShellPty", code: 1, userInfo: [NSLocalizedDescriptionKey: "no pseudo-terminal"])
        }
        let name = String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        slave = open(name, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw NSError(domain: "ShellPty", code: 2, userInfo: [NSLocalizedDescriptionKey: "cannot open \(name)"]) }
        var attributes = termios()
        tcgetattr(slave, &attributes)
        initialAttributes = attributes
        process.executableURL = CrashTestData.productsDirectory.appendingPathComponent("facedb")
        process.arguments = arguments
        process.environment = environment
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// The terminal's settings now.
    var currentAttributes: termios {
        var attributes = termios()
        tcgetattr(slave, &attributes)
        return attributes
    }

    /// Whether the terminal is in canonical (line) mode with echo, as a shell leaves it.
    var isCooked: Bool {
        let a = currentAttributes
        return a.c_lflag & tcflag_t(ICANON) != 0 && a.c_lflag & tcflag_t(ECHO) != 0
    }

    /// Types `text` (bytes, control characters included).
    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress!, $0.count) }
    }

    /// Reads until the output since `mark` contains `text`, or `timeout` seconds pass; returns that output.
    @discardableResult
    func waitFor(_ text: String, after mark: String.Index? = nil, timeout: TimeInterval = 10) -> String {
        let start = mark ?? output.startIndex
        let deadline = Date().addingTimeInterval(timeout)
        while !output[start...].contains(text) && Date() < deadline {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            output += String(decoding: buffer[..<n], as: UTF8.self)
        }
        return String(output[start...])
    }

    /// The end of the output read so far, to wait for text after it.
    var mark: String.Index { output.endIndex }

    /// Waits for the process to end (at most `timeout` seconds) and closes the terminal.
    func finish(timeout: TimeInterval = 10) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { _ = waitFor("\u{0}", timeout: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit {
        close(master)
        close(slave)
    }
}
