
/// The notification port: hands alerts to whoever pages people.
public protocol Notifier: Sendable {
    /// Sends `alerts` in `state`. For `.resolved`, an alert without `endsAt` is sent as ending now.
    func send(_ alerts: [Alert], state: AlertState) async throws
    /// How often a still-firing alert must be sent again for the receiver to keep it; nil when one
    /// notification per change is what the receiver wants.
    var resendInterval: Duration? { get }
}

extension Notifier {
    public var resendInterval: Duration? { nil }
}
