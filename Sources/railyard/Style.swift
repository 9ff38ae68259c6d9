import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RailyardCore

/// Colour for people at a terminal: red for fail and rolled back, green for pass and promoted. Off when
/// standard output is not a terminal (a pipe, a file, a test), under `NO_COLOR`, and for `TERM=dumb`.
enum Style {
    static let enabled: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return isatty(1) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }()

    static func red(_ text: String, colour: Bool = enabled) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    static func green(_ text: String, colour: Bool = enabled) -> String { colour ? "\u{1B}[32m\(text)\u{1B}[0m" : text }

    static func phase(_ phase: RolloutPhase, colour: Bool = enabled) -> String {
        switch phase {
        case .promoted: green(phase.rawValue, colour: colour)
        case .rolledBack, .rollingBack: red(phase.rawValue, colour: colour)
        default: phase.rawValue
        }
    }

    static func verdict(_ verdict: VerdictKind?, colour: Bool = enabled) -> String {
        switch verdict {
        case .pass?: green("pass", colour: colour)
        case .fail?: red("fail", colour: colour)
        case let other?: other.rawValue
        case nil: "running"
        }
    }

    /// Columns of the terminal, for tables that should fit it; `COLUMNS`, or 100, when there is none.
    static var width: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }
}
