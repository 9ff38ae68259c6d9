import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file that holds a secret (a token, the token key): written readable by its owner only, and
/// refused when anyone else can read it.
public enum SecretFile {
    /// The secret, trimmed of surrounding whitespace.
    public static func read(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SecretFileError(path: path, problem: errno == ENOENT ? "does not exist" : "cannot be read: \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SecretFileError(path: path, problem: "can be read by others (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SecretFileError(path: path, problem: "cannot be read")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw SecretFileError(path: path, problem: "is empty") }
        return secret
    }

    /// Writes `secret` with mode 0600, replacing the file at once (a temporary file renamed), so no
    /// reader ever sees it half written or readable by others.
    public static func write(_ secret: String, to path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SecretFileError(path: path, problem: "cannot be written: \(String(cString: strerror(errno)))") }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SecretFileError(path: path, problem: "cannot be written: \(String(cString: strerror(errno)))")
        }
    }
}

public struct SecretFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "\(path) \(problem)" }
}
