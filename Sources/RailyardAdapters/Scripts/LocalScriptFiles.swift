import Crypto
import Foundation
import RailyardCore
import RailyardPorts

/// Script files on this machine, hashed with swift-crypto.
public struct LocalScriptFiles: ScriptFiles {
    public init() {}

    public func sha256(ofFileAt path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScriptFileError(path: path) }
        return Self.hex(SHA256.hash(data: data))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

public struct ScriptFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var description: String { "cannot read \(path)" }
}
