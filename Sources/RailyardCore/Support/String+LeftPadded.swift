extension String {
    /// Zero-padded on the left to `width` characters.
    public func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
