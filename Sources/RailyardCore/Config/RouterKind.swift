/// Which router fronts every target: `router:` in railyard.yml. The composition root picks the
/// adapter for it; only the built-in router exists today.
public enum RouterKind: String, Codable, Sendable, CaseIterable {
    case builtin
}
