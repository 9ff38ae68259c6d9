import Foundation
import RailyardCore

/// Reads railyard.yml from disk; the parsing and every check stay in Core (`ConfigLoader.parse`).
public enum ConfigFile {
    /// Loads and validates a file; throws `ConfigErrors` listing every problem.
    public static func load(path: String) throws -> RailyardConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigDiagnostic(file: path, line: 1, column: 1, message: "cannot read file: \(error.localizedDescription)")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try ConfigLoader.parse(text, file: path, baseDirectory: base)
    }
}
