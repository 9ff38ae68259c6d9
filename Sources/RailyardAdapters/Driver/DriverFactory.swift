import RailyardPorts

public enum DriverKind: String, Sendable, Codable { case local }

/// Builds the driver of a kind: local processes today.
public enum DriverFactory {
    public static func make(_ kind: DriverKind) -> any InstanceDriver {
        switch kind {
        case .local: LocalProcessDriver()
        }
    }
}
