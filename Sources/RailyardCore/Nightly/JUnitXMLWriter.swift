import Foundation

/// A run's results as one merged JUnit XML file for other tools: a `testsuite` per suite, each test's
/// last attempt, a flaky pass with Surefire's `flakyFailure` child (so tools that know reruns see it).
public enum JUnitXMLWriter {
    public static func merged(_ run: NightlyRunRecord) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let all = run.tests
        xml += "<testsuites name=\"\(escape(run.id))\" tests=\"\(all.count)\" failures=\"\(all.filter { $0.outcome == .failed }.count)\" "
            + "errors=\"\(all.filter { $0.outcome == .error }.count)\" skipped=\"\(all.filter { $0.outcome == .skipped }.count)\" "
            + "time=\"\(seconds(all.reduce(0) { $0 + $1.seconds }))\">\n"
        for suite in run.suites {
            let tests = suite.tests
            xml += "  <testsuite name=\"\(escape(suite.name))\" tests=\"\(tests.count)\" failures=\"\(tests.filter { $0.outcome == .failed }.count)\" "
                + "errors=\"\(tests.filter { $0.outcome == .error }.count + (suite.broken == nil ? 0 : 1))\" "
                + "skipped=\"\(tests.filter { $0.outcome == .skipped }.count)\" time=\"\(seconds(tests.reduce(0) { $0 + $1.seconds }))\">\n"
            if let broken = suite.broken {
                xml += "    <properties><property name=\"railyard.broken\" value=\"\(escape(broken))\"/></properties>\n"
            }
            for test in tests {
                let (classname, name) = split(test.id)
                xml += "    <testcase classname=\"\(escape(classname))\" name=\"\(escape(name))\" time=\"\(seconds(test.seconds))\""
                let message = escape(test.message ?? "")
                let detail = escape(test.detail ?? test.message ?? "")
                switch test.outcome {
                case .passed where test.flaky:
                    xml += ">\n" + String(repeating: "      <flakyFailure message=\"\(message)\"/>\n", count: max(1, test.attempts - 1)) + "    </testcase>\n"
                case .passed:
                    xml += "/>\n"
                case .failed:
                    xml += ">\n      <failure message=\"\(message)\">\(detail)</failure>\n    </testcase>\n"
                case .error:
                    xml += ">\n      <error message=\"\(message)\">\(detail)</error>\n    </testcase>\n"
                case .skipped:
                    xml += ">\n      <skipped message=\"\(message)\"/>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    /// `a.b.C.name` → (`a.b.C`, `name`), cut at the last dot before any `(` or `[` (parameters may hold
    /// dots); an id without a dot has no class.
    static func split(_ id: String) -> (String, String) {
        let end = id.firstIndex { $0 == "(" || $0 == "[" } ?? id.endIndex
        guard let cut = id[..<end].lastIndex(of: ".") else { return ("", id) }
        return (String(id[..<cut]), String(id[id.index(after: cut)...]))
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            case "\r": out += "&#13;"
            default:
                // XML 1.0 has no place for other control characters: drop them.
                if scalar.value < 0x20 { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
