import Testing

@testable import RailyardCore

/// Durations as written in `railyard.yml`.
@Suite("Duration text")
struct DurationTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var duration: Duration
        var testDescription: String { text }
    }

    static let parsed: [Case] = [
        Case(text: "500ms", duration: .milliseconds(500)),
        Case(text: "1ms", duration: .milliseconds(1)),
        Case(text: "30s", duration: .seconds(30)),
        Case(text: "5m", duration: .seconds(300)),
        Case(text: "1h", duration: .seconds(3600)),
        Case(text: "1h30m", duration: .seconds(5400)),
        Case(text: "2h5m10s", duration: .seconds(7510)),
        Case(text: "1m500ms", duration: .milliseconds(60_500)),
        Case(text: "90s", duration: .seconds(90)),
        Case(text: "0s", duration: .zero),
        Case(text: " 30s ", duration: .seconds(30)),
        Case(text: "007s", duration: .seconds(7)),
        Case(text: "90d", duration: .seconds(90 * 86_400)),
        Case(text: "1d12h", duration: .seconds(36 * 3600)),
    ]

    @Test("parses", arguments: parsed)
    func parses(example: Case) {
        #expect(DurationText.parse(example.text) == example.duration)
    }

    @Test("rejects garbage",
          arguments: ["", " ", "30", "s", "ms", "h1", "30x", "30sec", "1D", "1day", "1.5s", "-5s", "+5s", "5 m", "1h 30m", "1h,30m",
                      "30S", "5M", "approval", "\u{0663}s", "3\u{0663}s", "1h30", "m5"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    static let formatted: [Case] = [
        Case(text: "500ms", duration: .milliseconds(500)),
        Case(text: "1500ms", duration: .milliseconds(1500)),
        Case(text: "30s", duration: .seconds(30)),
        Case(text: "5m", duration: .seconds(300)),
        Case(text: "1m", duration: .seconds(60)),
        Case(text: "59s", duration: .seconds(59)),
        Case(text: "1m30s", duration: .seconds(90)),
        Case(text: "1h1m", duration: .seconds(3660)),
        Case(text: "1h", duration: .seconds(3600)),
        Case(text: "1h30m", duration: .seconds(5400)),
        Case(text: "1h1m1s", duration: .seconds(3661)),
        Case(text: "2h5s", duration: .seconds(7205)),
        Case(text: "24h", duration: .seconds(86_400)),
        Case(text: "0s", duration: .zero),
    ]

    @Test("formats in the same units people write", arguments: formatted)
    func formats(example: Case) {
        #expect(DurationText.format(example.duration) == example.text)
    }

    @Test("format then parse gives back the duration", arguments: formatted)
    func roundTripFromDuration(example: Case) {
        #expect(DurationText.parse(DurationText.format(example.duration)) == example.duration)
    }

    @Test("parse then format gives back canonical text",
          arguments: ["500ms", "30s", "5m", "1h", "1h30m", "1h1m1s", "2h5s", "1m30s"])
    func roundTripFromText(text: String) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(DurationText.format(duration) == text)
    }

    @Test("non-canonical text formats canonically")
    func canonicalForm() {
        #expect(DurationText.parse("90m").map(DurationText.format) == "1h30m")
        #expect(DurationText.parse("3600s").map(DurationText.format) == "1h")
        #expect(DurationText.parse("1000ms").map(DurationText.format) == "1s")
        #expect(DurationText.parse("30m1h").map(DurationText.format) == "1h30m")
    }

    @Test("sub-millisecond precision is dropped when formatting")
    func subMillisecond() {
        #expect(DurationText.format(.microseconds(1500)) == "1ms")
        #expect(DurationText.format(.microseconds(999)) == "0s")
    }

    /// A value that fits in Int but overflows once turned into seconds: refused (or parsed exactly), never a crash.
    @Test(
          arguments: ["9999999999999999h", "999999999999999999m"])
    func hugeValuesDoNotTrap(text: String) {
        let result = DurationText.parse(text)
        #expect(result == nil || result! > .seconds(Int.max / 3600))
    }
}
