import Testing

@testable import RailyardCore

/// SHA-256 against FIPS 180-4 examples and `sha256sum` around the padding boundaries.
@Suite("SHA-256")
struct SHA256Tests {
    func hex(_ text: String) -> String { SHA256.hex(Array(text.utf8)) }

    @Test("empty input")
    func empty() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("\"abc\" (one block)")
    func abc() {
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the 448-bit message (two blocks: its length spills over)")
    func twoBlocks() {
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("the 896-bit message")
    func longMessage() {
        #expect(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test("one million 'a'")
    func millionA() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    struct Boundary: Sendable, CustomTestStringConvertible {
        var length: Int
        var repeatedA: String
        var counting: String
        var testDescription: String { "\(length) bytes" }
    }

    /// Computed with `printf 'a%.0s' $(seq 1 N) | sha256sum` and with bytes 0, 1, …, N-1 piped to `sha256sum`.
    static let boundaries: [Boundary] = [
        Boundary(length: 55,
                 repeatedA: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
                 counting: "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        Boundary(length: 56,
                 repeatedA: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
                 counting: "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        Boundary(length: 63,
                 repeatedA: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
                 counting: "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        Boundary(length: 64,
                 repeatedA: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
                 counting: "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        Boundary(length: 65,
                 repeatedA: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
                 counting: "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
    ]

    @Test("lengths around the padding boundary match sha256sum", arguments: boundaries)
    func paddingBoundaries(boundary: Boundary) {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: boundary.length)) == boundary.repeatedA)
        #expect(SHA256.hex((0..<boundary.length).map { UInt8($0) }) == boundary.counting)
    }

    @Test("digest is 32 bytes and hex is its lower-case rendering, zero-padded")
    func digestAndHex() {
        let digest = SHA256.digest(Array("abc".utf8))
        #expect(digest.count == 32)
        #expect(digest.prefix(4) == [0xba, 0x78, 0x16, 0xbf])
        #expect(digest.last == 0xad)
        // e3b0c442 98fc1c14 …: the byte 0x0c must print as "0c", not "c".
        let empty = SHA256.hex([UInt8]())
        #expect(empty.count == 64)
        #expect(empty.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test("any collection of bytes gives the same digest as an array")
    func collections() {
        let bytes = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(bytes[...]) == SHA256.hex(bytes))
        #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(bytes.dropFirst()) == SHA256.hex(Array(bytes.dropFirst())))
    }

    @Test("one changed bit changes the digest")
    func avalanche() {
        var bytes = [UInt8](repeating: 0, count: 100)
        let before = SHA256.hex(bytes)
        bytes[99] ^= 1
        #expect(SHA256.hex(bytes) != before)
    }
}
