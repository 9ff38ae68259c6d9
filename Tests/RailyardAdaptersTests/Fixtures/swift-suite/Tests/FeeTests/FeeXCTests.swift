import XCTest
import Fee
final class FeeXCTests: XCTestCase {
    func testOnePercent() { XCTAssertEqual(fee(1000), 10) }
    func testRoundsUp() { XCTAssertEqual(fee(150), 2, "fee rounded the wrong way") }
    func testSkipped() throws { throw XCTSkip("not on weekends") }
}
