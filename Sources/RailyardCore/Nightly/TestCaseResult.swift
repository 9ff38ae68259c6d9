/// One execution of a test as a JUnit XML file records it.
public struct TestCaseResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case passed, failed, error, skipped }

    /// The `testsuite` it was listed under.
    public var suite: String
    public var classname: String
    public var name: String
    public var seconds: Double
    public var outcome: Outcome
    /// Failed attempts the runner recorded inside this one (Surefire's `flakyFailure`/`flakyError` on a
    /// pass, `rerunFailure`/`rerunError` on a failure).
    public var failedAttempts: Int
    /// The failure's or skip's message; the first line of its text when it has no message.
    public var message: String?
    /// The failure text's last lines (a stack trace is kept short).
    public var detail: String?

    public init(suite: String, classname: String, name: String, seconds: Double, outcome: Outcome, failedAttempts: Int = 0,
                message: String? = nil, detail: String? = nil) {
        self.suite = suite
        self.classname = classname
        self.name = name
        self.seconds = seconds
        self.outcome = outcome
        self.failedAttempts = failedAttempts
        self.message = message
        self.detail = detail
    }

    /// `classname.name`, or the name alone when the runner gives no class.
    public var id: String { classname.isEmpty ? name : "\(classname).\(name)" }
}
