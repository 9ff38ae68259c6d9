import Crypto
import Foundation
import RailyardPorts

/// HMAC-SHA256 of a token under a key kept beside the store (`token.key`, mode 0600): a copy of the
/// store alone, a backup say, cannot be used to check guessed tokens.
public struct HMACTokenHasher: TokenHasher {
    let key: SymmetricKey

    public init(key: Data) { self.key = SymmetricKey(data: key) }

    /// Reads the key file, or creates it with 32 random bytes on first start. Losing the key makes
    /// every token invalid, never valid.
    public static func loadOrCreate(keyFile: String) throws -> HMACTokenHasher {
        if FileManager.default.fileExists(atPath: keyFile) {
            let text = try SecretFile.read(keyFile)
            guard let key = Data(hex: text), key.count >= 32 else {
                throw SecretFileError(path: keyFile, problem: "is not a token key (64 or more hex digits)")
            }
            return HMACTokenHasher(key: key)
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try SecretFile.write(key.hex, to: keyFile)
        return HMACTokenHasher(key: key)
    }

    public func digest(of token: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)).hex
    }
}

extension Data {
    var hex: String { map { String($0, radix: 16).leftPadded(to: 2) }.joined() }

    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
