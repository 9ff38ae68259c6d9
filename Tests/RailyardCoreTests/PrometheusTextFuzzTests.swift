import RailyardCore
import Testing

/// Random mutations of a valid exposition must parse or fail with a line number, never crash or hang.
@Suite("PrometheusText fuzz")
struct PrometheusTextFuzzTests {
    /// SplitMix64: small, deterministic, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Bytes that matter to the grammar, plus some that do not belong anywhere (a lone UTF-8 lead byte, NUL).
    static let alphabet = Array(#"{}",=\ #nE+-.0123456789aeiInNfle_:"#.utf8) + [0x0A, 0x09, 0x0D, 0x00, 0xC3, 0xA9, 0xFF, 0x7F]

    static func mutate(_ original: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes.remove(at: position)
            case 1:
                bytes.insert(alphabet.randomElement(using: &random)!, at: position)
            case 2 where !bytes.isEmpty:
                bytes[position] = alphabet.randomElement(using: &random)!
            case 3 where !bytes.isEmpty:
                // Duplicate a slice somewhere else.
                let end = min(bytes.count, position + Int.random(in: 1...40, using: &random))
                let slice = bytes[position..<end]
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            case 4 where !bytes.isEmpty:
                // Drop a slice.
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...30, using: &random)))
            default:
                bytes = Array(bytes.prefix(position))  // truncate
            }
        }
        return bytes
    }

    @Test func mutationsNeverCrash() {
        let original = Array(PrometheusTextParserTests.exposition.utf8)
        var random = SeededGenerator(state: 20_261_125)
        var parsed = 0
        var failures = 0
        var badLineNumbers: [String] = []
        for _ in 0..<8_000 {
            let text = String(decoding: Self.mutate(original, using: &random), as: UTF8.self)
            let lineCount = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).count
            do throws(PrometheusParseError) {
                _ = try PrometheusText.parse(text)
                parsed += 1
            } catch {
                failures += 1
                if !(1...lineCount).contains(error.line) || error.message.isEmpty { badLineNumbers.append(text) }
            }
        }
        #expect(badLineNumbers.isEmpty, "errors with a line outside the text: \(badLineNumbers.prefix(3))")
        // Both outcomes are exercised: the mutations are neither all harmless nor all fatal.
        #expect(parsed > 500)
        #expect(failures > 500)
    }

    @Test func randomBytesNeverCrash() {
        var random = SeededGenerator(state: 7)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...200, using: &random)
            let bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &random)! }
            _ = try? PrometheusText.parse(String(decoding: bytes, as: UTF8.self))
        }
    }
}
