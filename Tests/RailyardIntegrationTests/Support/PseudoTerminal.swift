import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real pseudo-terminal: `railyard` runs with its slave side as stdin, stdout and stderr (so
/// `isatty` is true and it prompts), and the test reads the master side and types into it, as a
/// person at a terminal would.
final class PseudoTerminal {
    let master: Int32
    let process = Process()
    private(set) var output = ""
    private var cursor: String.Index

    /// glibc's pseudo-terminal calls, which the Glibc module leaves out (they need _XOPEN_SOURCE).
    private static func libc<T>(_ name: String, as type: T.Type) -> T {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { fatalError("libc has no \(name)") }
        return unsafeBitCast(symbol, to: type)
    }
    private static let posixOpenpt = libc("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let grantpt = libc("grantpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let unlockpt = libc("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
    private static let ptsname = libc("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)

    init(_ arguments: [String], token: String) throws {
        master = Self.posixOpenpt(O_RDWR | O_NOCTTY)
        guard master >= 0, Self.grantpt(master) == 0, Self.unlockpt(master) == 0, let name = Self.ptsname(master) else {
            throw TestFailure("cannot open a pseudo-terminal: errno \(errno)")
        }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw TestFailure("cannot open the pseudo-terminal's slave side: errno \(errno)") }
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !["RAILYARD_SERVER", "RAILYARD_TOKEN", "RAILYARD_TOKEN_FILE"].contains($0.key) }
        environment["RAILYARD_TOKEN"] = token
        environment["HOME"] = CLIExitCodeTests.home
        process.environment = environment
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // The child has its own copies; ours would keep the terminal open after it exits.
        try handle.close()
        cursor = output.startIndex
    }

    deinit {
        if process.isRunning { process.terminate() }
        close(master)
    }

    /// Reads until `text` appears after what earlier expectations consumed; fails after `timeout`.
    func expect(_ text: String, timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = output.range(of: text, range: cursor..<output.endIndex) {
                cursor = found.upperBound
                return
            }
            guard ContinuousClock.now < deadline, readSome(waitingMilliseconds: 100) || process.isRunning else {
                throw TestFailure("the terminal never showed \"\(text)\"; it showed:\n\(output)")
            }
        }
    }

    /// Types a line, as a person pressing Enter.
    func type(_ line: String) { send(Array((line + "\n").utf8)) }

    /// Ctrl-D at the start of a line: end of input.
    func endOfInput() { send([4]) }

    /// Reads what is left and waits for the program to exit; returns its status.
    func finish(timeout: Duration = .seconds(30)) -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { _ = readSome(waitingMilliseconds: 50) }
        while readSome(waitingMilliseconds: 50) {}
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Whether bytes were read; false on a timeout or once the program closed the terminal.
    private func readSome(waitingMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, waitingMilliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(master, &buffer, buffer.count)
        guard count > 0 else { return false }
        let offset = output.distance(from: output.startIndex, to: cursor)
        output += String(decoding: buffer[0..<count], as: UTF8.self)
        cursor = output.index(output.startIndex, offsetBy: offset)
        return true
    }
}
