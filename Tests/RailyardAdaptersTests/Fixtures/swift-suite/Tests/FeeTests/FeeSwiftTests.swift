import Testing
import Fee
@Suite struct FeeSwiftTests {
    @Test func onePercent() { #expect(fee(1000) == 10) }
    @Test func roundsUp() { #expect(fee(150) == 2, "fee rounded the wrong way") }
    @Test(.disabled("not on weekends")) func skipped() {}
}
