import Foundation

/// A built version: the artifact the build left and its sha256, recorded once. Deploying that version
/// anywhere uses this artifact, and checks its hash first: what was tested is what goes out.
public struct ArtifactRecord: Codable, Sendable, Equatable {
    public var service: String
    public var version: String
    /// Absolute path of the file or folder.
    public var path: String
    /// A file's sha256, or a folder's: the sha256 of its sorted entries (relative path, kind, content hash).
    public var sha256: String
    public var bytes: Int
    public var builtAt: Date
    /// Seconds the build took.
    public var seconds: Double

    public init(service: String, version: String, path: String, sha256: String, bytes: Int, builtAt: Date, seconds: Double) {
        self.service = service
        self.version = version
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.builtAt = builtAt
        self.seconds = seconds
    }

    /// Why a version cannot be deployed when its artifact's hash is not the one recorded; nil when it is.
    public func refusal(currentHash: String?) -> String? {
        guard let currentHash else { return "the artifact of \(service) \(version) is gone from \(path): build once, deploy everywhere; rebuild and test it again" }
        guard currentHash == sha256 else {
            return "the artifact of \(service) \(version) changed after it was built and tested (recorded sha256 \(sha256.prefix(12)), now "
                + "\(currentHash.prefix(12))): build once, deploy everywhere; refusing to deploy it"
        }
        return nil
    }
}
