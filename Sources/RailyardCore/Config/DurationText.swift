/// Durations as people write them in `railyard.yml`: `500ms`, `30s`, `5m`, `1h`, `1h30m`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        var total = Duration.zero
        var digits = ""
        var unit = ""
        var sawAny = false
        func flush() -> Bool {
            // Bounded to 10 years so no arithmetic below can overflow.
            guard let value = Int(digits), value <= 315_360_000_000 else { return false }
            let factor: Int
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return false
            }
            let (milliseconds, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow, milliseconds <= 315_360_000_000 else { return false }
            total += .milliseconds(milliseconds)
            digits = ""; unit = ""; sawAny = true
            return true
        }
        for char in text.trimmingCharacters(in: .whitespaces) {
            if char.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                digits.append(char)
            } else if char.isLetter {
                guard !digits.isEmpty else { return nil }
                unit.append(char)
            } else {
                return nil
            }
        }
        guard !digits.isEmpty, flush() else { return nil }
        return sawAny ? total : nil
    }

    public static func format(_ duration: Duration) -> String {
        let ms = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        if ms % 1000 != 0 { return "\(ms)ms" }
        let seconds = ms / 1000
        if seconds == 0 { return "0s" }
        var parts = ""
        if seconds >= 3600 { parts += "\(seconds / 3600)h" }
        if seconds % 3600 >= 60 { parts += "\(seconds % 3600 / 60)m" }
        if seconds % 60 != 0 { parts += "\(seconds % 60)s" }
        return parts
    }
}

import Foundation
