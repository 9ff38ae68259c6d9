/// Reader of the Prometheus text exposition format, version 0.0.4: what a service's `/metrics` answers.
///
/// Follows the format as Prometheus' own `expfmt` parser reads it:
/// - `# HELP name text` (escapes `\\` and `\n`) and `# TYPE name counter|gauge|histogram|summary|untyped`;
///   any other `#` line is a comment, empty lines are ignored;
/// - samples `name{label="value",…} value [timestamp]`: label values with the escapes `\\`, `\"` and `\n`, an
///   optional trailing comma in the label set, values as Go's `ParseFloat` reads them (`1`, `-0.5`, `1e-05`,
///   `+Inf`, `-Inf`, `NaN`), timestamps as int64 milliseconds;
/// - a histogram `x` owns `x_bucket` (with an `le` label), `x_sum` and `x_count`; a summary `x` owns `x` (with a
///   `quantile` label), `x_sum` and `x_count`.
///
/// Lines end with `\n`; a `\r` before it is tolerated. The first malformed line stops the parse with its
/// 1-based number. Pure: no I/O, and no input makes it crash.
public enum PrometheusText {
    public static func parse(_ text: String) throws(PrometheusParseError) -> [MetricFamily] {
        var table = FamilyTable()
        var lineNumber = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = Array(rawLine)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            var scanner = LineScanner(bytes: bytes, line: lineNumber)
            try parseLine(&scanner, into: &table)
        }
        return table.families()
    }

    /// A sample value as the format writes it: decimal or scientific notation with an optional sign, or
    /// `+Inf`/`Inf`/`-Inf`/`NaN` (case-insensitive, `Infinity` too, as Go's `ParseFloat` accepts).
    static func parseValue(_ token: Substring) -> Double? {
        switch token.lowercased() {
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard isDecimalFloat(token.utf8) else { return nil }
        return Double(token)
    }

    /// How the format writes a value: `NaN`, `+Inf`, `-Inf`, or the number.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        return "\(value)"
    }

    /// `[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?`
    private static func isDecimalFloat(_ bytes: Substring.UTF8View) -> Bool {
        var index = bytes.startIndex
        func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
        func digits() -> Int {
            var count = 0
            while isDigit(peek()) { index = bytes.index(after: index); count += 1 }
            return count
        }
        if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index = bytes.index(after: index) }
        var mantissaDigits = digits()
        if peek() == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index = bytes.index(after: index)
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index = bytes.index(after: index) }
            guard digits() > 0 else { return false }
        }
        return index == bytes.endIndex
    }

    // MARK: - Lines

    private static func parseLine(_ scanner: inout LineScanner, into table: inout FamilyTable) throws(PrometheusParseError) {
        scanner.skipBlanks()
        guard let first = scanner.peek else { return }  // empty line
        if first == UInt8(ascii: "#") {
            scanner.advance()
            try parseComment(&scanner, into: &table)
        } else {
            try parseSample(&scanner, into: &table)
        }
    }

    private static func parseComment(_ scanner: inout LineScanner, into table: inout FamilyTable) throws(PrometheusParseError) {
        scanner.skipBlanks()
        let keyword = scanner.readToken()
        guard keyword == "HELP" || keyword == "TYPE" else { return }  // an ordinary comment
        scanner.skipBlanks()
        guard let name = scanner.readName(LineScanner.isMetricNameStart, LineScanner.isMetricNameChar) else {
            throw scanner.failure(scanner.atEnd ? "# \(keyword) needs a metric name" : "invalid metric name in # \(keyword) line at \(scanner.peekDescription)")
        }
        guard scanner.atEnd || scanner.peekIsBlank else {
            throw scanner.failure("invalid character \(scanner.peekDescription) in metric name \"\(name)\" of # \(keyword) line")
        }
        scanner.skipBlanks()
        if keyword == "HELP" {
            try table.setHelp(scanner.readHelpText(), of: name, at: scanner)
            return
        }
        let typeToken = scanner.readToken()
        guard !typeToken.isEmpty else { throw scanner.failure("# TYPE line for \"\(name)\" needs a type") }
        guard let type = MetricType(rawValue: typeToken.lowercased()) else {
            throw scanner.failure("unknown metric type \"\(typeToken)\" for \"\(name)\" (counter, gauge, histogram, summary or untyped)")
        }
        scanner.skipBlanks()
        guard scanner.atEnd else { throw scanner.failure("unexpected text after the type in # TYPE line for \"\(name)\"") }
        try table.setType(type, of: name, at: scanner)
    }

    private static func parseSample(_ scanner: inout LineScanner, into table: inout FamilyTable) throws(PrometheusParseError) {
        guard let name = scanner.readName(LineScanner.isMetricNameStart, LineScanner.isMetricNameChar) else {
            throw scanner.failure("invalid metric name at \(scanner.peekDescription)")
        }
        guard scanner.atEnd || scanner.peekIsBlank || scanner.peek == UInt8(ascii: "{") else {
            throw scanner.failure("invalid character \(scanner.peekDescription) in metric name \"\(name)\"")
        }
        scanner.skipBlanks()
        var labels: [String: String] = [:]
        var after = "the metric name"
        if scanner.peek == UInt8(ascii: "{") {
            scanner.advance()
            labels = try parseLabels(&scanner, metric: name)
            scanner.skipBlanks()
            after = "the labels"
        }
        guard !scanner.atEnd else { throw scanner.failure("expected a value after \(after) of \"\(name)\"") }
        let valueToken = scanner.readToken()
        guard let value = parseValue(valueToken) else {
            throw scanner.failure("invalid value \"\(valueToken)\" for \"\(name)\" (a number, +Inf, -Inf or NaN)")
        }
        scanner.skipBlanks()
        var timestamp: Int64?
        if !scanner.atEnd {
            let timestampToken = scanner.readToken()
            guard let parsed = Int64(timestampToken) else {
                throw scanner.failure("invalid timestamp \"\(timestampToken)\" for \"\(name)\" (integer milliseconds)")
            }
            timestamp = parsed
            scanner.skipBlanks()
            guard scanner.atEnd else { throw scanner.failure("unexpected text after the timestamp of \"\(name)\"") }
        }
        try table.add(MetricSample(name: name, labels: labels, value: value, timestamp: timestamp), at: scanner)
    }

    /// After `{`, through the closing `}`.
    private static func parseLabels(_ scanner: inout LineScanner, metric: String) throws(PrometheusParseError) -> [String: String] {
        var labels: [String: String] = [:]
        while true {
            scanner.skipBlanks()
            if scanner.peek == UInt8(ascii: "}") {
                scanner.advance()
                return labels
            }
            guard let label = scanner.readName(LineScanner.isLabelNameStart, LineScanner.isLabelNameChar) else {
                throw scanner.failure(scanner.atEnd
                    ? "unterminated label set of \"\(metric)\", expected '}'"
                    : "invalid label name at \(scanner.peekDescription) in \"\(metric)\"")
            }
            scanner.skipBlanks()
            guard scanner.peek == UInt8(ascii: "=") else {
                throw scanner.failure("expected '=' after label name \"\(label)\" of \"\(metric)\", found \(scanner.peekDescription)")
            }
            scanner.advance()
            scanner.skipBlanks()
            guard scanner.peek == UInt8(ascii: "\"") else {
                throw scanner.failure("expected '\"' to open the value of label \"\(label)\" of \"\(metric)\", found \(scanner.peekDescription)")
            }
            scanner.advance()
            let value = try scanner.readLabelValue(label: label, metric: metric)
            guard labels[label] == nil else { throw scanner.failure("duplicate label \"\(label)\" in \"\(metric)\"") }
            labels[label] = value
            scanner.skipBlanks()
            switch scanner.peek {
            case UInt8(ascii: ","): scanner.advance()
            case UInt8(ascii: "}"): break  // read at the top of the loop
            case nil: throw scanner.failure("unterminated label set of \"\(metric)\", expected '}'")
            default:
                throw scanner.failure("expected ',' or '}' after the value of label \"\(label)\" of \"\(metric)\", found \(scanner.peekDescription)")
            }
        }
    }
}

// MARK: - Scanning one line

/// A cursor over the bytes of one line (the format's syntax is ASCII; label values and help are UTF-8).
struct LineScanner {
    let bytes: [UInt8]
    let line: Int
    private(set) var index = 0

    init(bytes: [UInt8], line: Int) {
        self.bytes = bytes
        self.line = line
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }
    var peekIsBlank: Bool { peek.map(Self.isBlank) ?? false }

    /// The next character, for messages: `'-'`, or `the end of the line`.
    var peekDescription: String {
        guard !atEnd else { return "the end of the line" }
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }  // the rest of a UTF-8 scalar
        return "'\(String(decoding: bytes[index..<end], as: UTF8.self))'"
    }

    func failure(_ message: String) -> PrometheusParseError { PrometheusParseError(line: line, message: message) }

    mutating func advance() { index += 1 }

    mutating func skipBlanks() {
        while let byte = peek, Self.isBlank(byte) { index += 1 }
    }

    /// Up to the next blank or the end of the line.
    mutating func readToken() -> Substring {
        let start = index
        while let byte = peek, !Self.isBlank(byte) { index += 1 }
        return Substring(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    mutating func readName(_ isStart: (UInt8) -> Bool, _ isChar: (UInt8) -> Bool) -> String? {
        guard let first = peek, isStart(first) else { return nil }
        let start = index
        index += 1
        while let byte = peek, isChar(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// After the opening quote, through the closing one: unescapes `\\`, `\"` and `\n`.
    mutating func readLabelValue(label: String, metric: String) throws(PrometheusParseError) -> String {
        var value: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { break }
                switch escaped {
                case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                default:
                    throw failure("invalid escape sequence \"\\\(peekDescription.dropFirst().dropLast())\" in the value of label \"\(label)\" of \"\(metric)\" (only \\\\, \\\" and \\n)")
                }
                index += 1
            default:
                value.append(byte)
            }
        }
        throw failure("unterminated value of label \"\(label)\" of \"\(metric)\", expected a closing '\"'")
    }

    /// The rest of the line, with the two escapes HELP text knows (`\\`, `\n`); any other backslash is kept.
    mutating func readHelpText() -> String {
        var text: [UInt8] = []
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\\"), let next = peek, next == UInt8(ascii: "\\") || next == UInt8(ascii: "n") {
                text.append(next == UInt8(ascii: "n") ? UInt8(ascii: "\n") : next)
                index += 1
            } else {
                text.append(byte)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    static func isLabelNameStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    static func isLabelNameChar(_ byte: UInt8) -> Bool {
        isLabelNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func isMetricNameStart(_ byte: UInt8) -> Bool { isLabelNameStart(byte) || byte == UInt8(ascii: ":") }

    static func isMetricNameChar(_ byte: UInt8) -> Bool { isLabelNameChar(byte) || byte == UInt8(ascii: ":") }
}

extension PrometheusText {
    /// A whole metric name as the exposition format spells one: [a-zA-Z_:][a-zA-Z0-9_:]*.
    public static func isMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, LineScanner.isMetricNameStart(first) else { return false }
        return name.utf8.allSatisfy(LineScanner.isMetricNameChar)
    }
}

// MARK: - Grouping into families

/// Families in order of first appearance, with the rules that tie HELP, TYPE and samples together.
struct FamilyTable {
    private struct Entry {
        var family: MetricFamily
        /// A `# TYPE` line named it (an untyped family without one may still get one before its samples).
        var typed = false
    }

    private var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]

    func families() -> [MetricFamily] { entries.map(\.family) }

    mutating func setHelp(_ help: String, of name: String, at scanner: LineScanner) throws(PrometheusParseError) {
        let index = entry(named: name)
        guard entries[index].family.help == nil else { throw scanner.failure("second HELP line for metric name \"\(name)\"") }
        entries[index].family.help = help
    }

    mutating func setType(_ type: MetricType, of name: String, at scanner: LineScanner) throws(PrometheusParseError) {
        let index = entry(named: name)
        guard !entries[index].typed, entries[index].family.samples.isEmpty else {
            throw scanner.failure("second TYPE line for metric name \"\(name)\", or TYPE reported after its samples")
        }
        entries[index].family.type = type
        entries[index].typed = true
    }

    mutating func add(_ sample: MetricSample, at scanner: LineScanner) throws(PrometheusParseError) {
        let index = owner(of: sample.name) ?? entry(named: sample.name)
        // Name and type only: holding the family would copy its samples on the append below.
        let family = (name: entries[index].family.name, type: entries[index].family.type)
        switch family.type {
        case .histogram:
            if sample.name == family.name + "_bucket" {
                guard let le = sample.labels["le"] else {
                    throw scanner.failure("histogram bucket \"\(sample.name)\" has no \"le\" label")
                }
                guard PrometheusText.parseValue(Substring(le)) != nil else {
                    throw scanner.failure("invalid \"le\" label value \"\(le)\" in \"\(sample.name)\" (a number or +Inf)")
                }
            } else if sample.name == family.name {
                throw scanner.failure("histogram sample \"\(sample.name)\" must be named \(family.name)_bucket, \(family.name)_sum or \(family.name)_count")
            }
        case .summary:
            if sample.name == family.name {
                guard let quantile = sample.labels["quantile"] else {
                    throw scanner.failure("summary sample \"\(sample.name)\" has no \"quantile\" label")
                }
                guard PrometheusText.parseValue(Substring(quantile)) != nil else {
                    throw scanner.failure("invalid \"quantile\" label value \"\(quantile)\" in \"\(sample.name)\"")
                }
            }
        case .counter, .gauge, .untyped:
            break
        }
        entries[index].family.samples.append(sample)
    }

    /// The histogram or summary family a suffixed sample name belongs to.
    private func owner(of sampleName: String) -> Int? {
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            guard let index = indexByName[String(sampleName.dropLast(suffix.count))] else { continue }
            switch entries[index].family.type {
            case .histogram: return index
            case .summary where suffix != "_bucket": return index
            default: continue
            }
        }
        return indexByName[sampleName]
    }

    private mutating func entry(named name: String) -> Int {
        if let index = indexByName[name] { return index }
        entries.append(Entry(family: MetricFamily(name: name)))
        indexByName[name] = entries.count - 1
        return entries.count - 1
    }
}
