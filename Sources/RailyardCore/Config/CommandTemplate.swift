/// A command from `railyard.yml`, split into arguments once at load time. It never goes through a
/// shell: `{version}` and `{port}` are substituted inside single arguments, so nothing a request
/// carries can become a command.
public struct CommandTemplate: Sendable, Equatable {
    public static let placeholders: Set<String> = ["version", "port"]

    public let arguments: [String]

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case unterminatedQuote
        case unknownPlaceholder(String)
        public var description: String {
            switch self {
            case .empty: "command is empty"
            case .unterminatedQuote: "command has an unterminated quote"
            case .unknownPlaceholder(let name):
                "unknown placeholder {\(name)} in command (known: {version}, {port})"
            }
        }
    }

    public init(parsing text: String) throws(ParseError) {
        var arguments: [String] = []
        var current = ""
        var inArgument = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped { current.append(char); escaped = false; continue }
            if let open = quote {
                if char == open { quote = nil } else if char == "\\" && open == "\"" { escaped = true } else { current.append(char) }
                continue
            }
            switch char {
            case "\\": escaped = true; inArgument = true
            case "\"", "'": quote = char; inArgument = true
            case " ", "\t", "\n":
                if inArgument { arguments.append(current); current = ""; inArgument = false }
            default: current.append(char); inArgument = true
            }
        }
        if quote != nil || escaped { throw .unterminatedQuote }
        if inArgument { arguments.append(current) }
        try self.init(arguments: arguments)
    }

    public init(arguments: [String]) throws(ParseError) {
        guard let first = arguments.first, !first.isEmpty else { throw .empty }
        for argument in arguments {
            for name in Self.placeholderNames(in: argument) where !Self.placeholders.contains(name) {
                throw .unknownPlaceholder(name)
            }
        }
        self.arguments = arguments
    }

    /// The argument vector for one instance. `version` must already satisfy `VersionName.isValid`.
    public func render(version: String, port: Int) -> [String] {
        arguments.map {
            $0.replacingOccurrences(of: "{version}", with: version).replacingOccurrences(of: "{port}", with: String(port))
        }
    }

    static func placeholderNames(in argument: String) -> [String] {
        var names: [String] = []
        var rest = Substring(argument)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// Versions arrive in requests, so they are held to a conservative shape before reaching a command line.
public enum VersionName {
    public static func isValid(_ version: String) -> Bool {
        guard (1...64).contains(version.count), let first = version.first, first.isLetter || first.isNumber else { return false }
        return version.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) }
    }

    public static let rule = "1-64 characters: letters, digits, '.', '_', '+', '-', starting with a letter or digit"
}

import Foundation
