import Foundation
import RailyardCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a JUnit XML file as the runners write it (Surefire, Gradle, pytest xunit1/xunit2, `swift test
/// --xunit-output`, jest-junit, gotestsum), streaming: the document is never held whole, and output a
/// test printed (`system-out`) is skipped, so memory grows with the number of tests, not the file.
/// A DOCTYPE is refused before parsing (no JUnit writer emits one; entities could expand without end).
/// Malformed or truncated XML is an error with the parser's message and line.
public enum JUnitXMLReader {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let message: String
        public var description: String { "\(file):\(line): \(message)" }
        public init(file: String, line: Int, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }
    }

    /// Failure texts keep their last characters only: a stack trace's end says where it failed.
    static let detailLimit = 4096

    public static func read(file path: String) throws(Failure) -> [TestCaseResult] {
        guard let stream = InputStream(fileAtPath: path) else { throw Failure(file: path, line: 0, message: "cannot open the file") }
        if let line = doctypeLine(path) {
            throw Failure(file: path, line: line, message: "a DOCTYPE is refused: JUnit XML has none, and its entities could expand without end")
        }
        let delegate = Collector()
        let parser = XMLParser(stream: stream)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let parsed = parser.parse()
        if let refusal = delegate.refusal { throw Failure(file: path, line: refusal.line, message: refusal.message) }
        guard parsed else {
            let error = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "the XML is malformed"
            throw Failure(file: path, line: parser.lineNumber, message: "malformed XML: \(error)")
        }
        // The stream parser can stop at the data's end without seeing that elements are still open.
        if !delegate.open.isEmpty {
            throw Failure(file: path, line: parser.lineNumber,
                          message: "malformed XML: the file ends inside <\(delegate.open.joined(separator: "> <"))>: truncated")
        }
        guard delegate.sawRoot else { throw Failure(file: path, line: 1, message: "no testsuites or testsuite element: not a JUnit XML file") }
        return delegate.results
    }

    /// The line of a `<!DOCTYPE` in the prolog, read in chunks up to the first element.
    static func doctypeLine(_ path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var line = 1
        var tail: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 16_384), !chunk.isEmpty {
            let bytes = tail + Array(chunk)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n"), index >= tail.count { line += 1 }
                if byte == UInt8(ascii: "<"), index + 1 < bytes.count {
                    let next = bytes[index + 1]
                    if next == UInt8(ascii: "!"), index + 9 <= bytes.count,
                       String(decoding: bytes[index..<index + 9], as: UTF8.self).uppercased() == "<!DOCTYPE" {
                        return line
                    }
                    // The root element: the prolog is over.
                    if (next >= UInt8(ascii: "a") && next <= UInt8(ascii: "z")) || (next >= UInt8(ascii: "A") && next <= UInt8(ascii: "Z")) { return nil }
                } else if byte == UInt8(ascii: "<"), index + 1 == bytes.count {
                    break
                }
                index += 1
            }
            // Keep the last bytes, so a `<!DOCTYPE` cut by the chunk's end is still seen.
            tail = Array(bytes.suffix(9))
        }
        return nil
    }

    final class Collector: NSObject, XMLParserDelegate {
        var results: [TestCaseResult] = []
        var sawRoot = false
        /// Elements opened and not closed yet, outermost first.
        var open: [String] = []
        var refusal: (line: Int, message: String)?
        var suites: [String] = []
        var current: TestCaseResult?
        /// Collecting the text of a failure, error or skip of the current test.
        var collecting = false
        var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(name)
            switch name {
            case "testsuites":
                sawRoot = true
            case "testsuite":
                sawRoot = true
                suites.append(attributes["name"] ?? suites.last ?? "")
            case "testcase":
                // Ant and some CI plugins mark tests that did not run with a status instead of a skipped element.
                let status = attributes["status"]?.lowercased()
                current = TestCaseResult(suite: suites.last ?? "", classname: attributes["classname"] ?? attributes["class"] ?? "",
                                         name: attributes["name"] ?? "", seconds: Self.seconds(attributes["time"]),
                                         outcome: status == "disabled" || status == "notrun" ? .skipped : .passed)
            case "failure", "error", "skipped":
                guard current != nil else { return }
                // A test already skipped by its status stays skipped.
                // The first of them decides (a file may list a failure then its error).
                if current!.outcome == .passed {
                    current!.outcome = name == "failure" ? .failed : name == "error" ? .error : .skipped
                    current!.message = attributes["message"].flatMap { $0.isEmpty ? nil : $0 }
                    collecting = true
                    text = ""
                }
            case "flakyFailure", "flakyError", "rerunFailure", "rerunError":
                current?.failedAttempts += 1
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard collecting else { return }
            text += string
            if text.count > 2 * JUnitXMLReader.detailLimit { text = String(text.suffix(JUnitXMLReader.detailLimit)) }
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            guard collecting else { return }
            self.parser(parser, foundCharacters: String(decoding: block, as: UTF8.self))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = open.popLast()
            switch name {
            case "testsuite":
                _ = suites.popLast()
            case "testcase":
                if let result = current { results.append(result) }
                current = nil
            case "failure", "error", "skipped":
                guard collecting else { return }
                collecting = false
                let detail = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !detail.isEmpty {
                    current?.detail = String(detail.suffix(JUnitXMLReader.detailLimit))
                    if current?.message == nil { current?.message = detail.split(separator: "\n").first.map(String.init) }
                }
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            refusal = (parser.lineNumber, "an entity declaration is refused: JUnit XML has none")
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            refusal = (parser.lineNumber, "an entity declaration is refused: JUnit XML has none")
            parser.abortParsing()
        }

        /// `1.25`, `1,234.5` (Surefire's grouping), or missing; a negative time (clock skew) counts as 0.
        static func seconds(_ text: String?) -> Double {
            guard let text else { return 0 }
            return max(0, Double(text.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)) ?? 0)
        }
    }
}
