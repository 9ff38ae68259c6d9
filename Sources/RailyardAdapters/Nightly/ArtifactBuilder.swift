import Crypto
import Foundation
import RailyardCore
import RailyardPorts

/// Builds a service's version with the `build` command of railyard.yml, as a real process with a
/// timeout and its output in a log, and records the artifact it leaves with its sha256. A failed build
/// says why with the log's last lines.
public struct ArtifactBuilder: Sendable {
    /// railyard.yml's folder: commands run there and artifact paths are relative to it.
    public let baseDirectory: String
    /// Where build logs go.
    public let logFolder: String

    public init(baseDirectory: String, logFolder: String) {
        self.baseDirectory = baseDirectory
        self.logFolder = logFolder
    }

    public typealias Failure = BuildFailure

    public func build(_ service: ServiceSpec, version: String, at now: Date, marks: [String: String] = [:]) async throws -> ArtifactRecord {
        guard let spec = service.build else {
            throw Failure(service: service.name, version: version, reason: "railyard.yml gives \(service.name) no build", log: "")
        }
        guard VersionName.isValid(version) else {
            throw Failure(service: service.name, version: version, reason: "version '\(version)' is not valid: \(VersionName.rule)", log: "")
        }
        try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
        let log = "\(logFolder)/build-\(service.name)-\(version).log"
        try? FileManager.default.removeItem(atPath: log)
        let started = ContinuousClock.now
        let arguments = ProcessSpawner.inFolder(baseDirectory, spec.command.render(version: version, port: 0), label: "railyard-build")
        let (status, timedOut) = try await ProcessSpawner.runToCompletion(arguments: arguments,
                                                                            environment: marks.merging(["RAILYARD_SERVICE": service.name, "RAILYARD_VERSION": version]) { $1 },
                                                                            logPath: log, timeout: spec.timeout)
        let elapsed = ContinuousClock.now - started
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lastLines = output.split(separator: "\n", omittingEmptySubsequences: true).suffix(10).joined(separator: "\n")
        if timedOut {
            throw Failure(service: service.name, version: version, reason: "timed out after \(DurationText.format(spec.timeout)) (killed); last lines:\n\(lastLines)", log: log)
        }
        guard status == 0 else {
            throw Failure(service: service.name, version: version, reason: "exit \(status); last lines:\n\(lastLines)", log: log)
        }
        let path = resolve(spec.artifactPath(version: version))
        guard let (hash, bytes) = try Self.sha256(of: path) else {
            throw Failure(service: service.name, version: version, reason: "the build left no artifact at \(path)", log: log)
        }
        return ArtifactRecord(service: service.name, version: version, path: path, sha256: hash, bytes: bytes, builtAt: now,
                              seconds: elapsed.timeInterval)
    }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// A file's sha256 (read in chunks), or a folder's: the sha256 of its entries sorted by relative
    /// path, each `f PATH SHA256` or `l PATH -> TARGET` or `d PATH`, so a renamed, added, removed or
    /// edited file changes it. With the bytes hashed; nil when nothing is there.
    public static func sha256(of path: String) throws -> (String, Int)? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        guard isFolder.boolValue else { return try fileHash(path) }
        var manifest = ""
        var bytes = 0
        let entries = (FileManager.default.subpaths(atPath: path) ?? []).sorted()
        for entry in entries {
            let full = path + "/" + entry
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
                manifest += "l \(entry) -> \(target)\n"
                continue
            }
            var entryIsFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &entryIsFolder)
            if entryIsFolder.boolValue {
                manifest += "d \(entry)\n"
            } else {
                let (hash, size) = try fileHash(full)
                manifest += "f \(entry) \(hash)\n"
                bytes += size
            }
        }
        return (hex(SHA256.hash(data: Data(manifest.utf8))), bytes)
    }

    static func fileHash(_ path: String) throws -> (String, Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += chunk.count
        }
        return (hex(hasher.finalize()), bytes)
    }

    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
