import ArgumentParser
import Foundation
import RailyardAdapters
import RailyardCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `railyard-bench junit`: the JUnit XML reader's peak memory and throughput as files grow, against a
/// DOM parse of the same file (Foundation's `XMLDocument`, which holds the whole tree) and
/// `xmllint --stream` on it, measured in the same run.
struct JUnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junit",
        abstract: "Peak memory of the streaming JUnit XML reader as files grow, against a DOM parse of the same files.",
        discussion: """
            Writes JUnit XML files of --tests test cases each (a tenth of them failing with a stack trace) whose
            system-out grows, so that the file grows and the number of tests does not. Each file is read once by
            the streaming reader and once by XMLDocument; the peak resident memory of each read is measured
            by resetting the kernel's high-water mark (/proc/self/clear_refs) before it. The reader's peak should
            stay flat as the file grows; the DOM's grows with it.
            """
    )

    @Option(help: "Test cases per file.") var tests: Int = 1000
    @Option(parsing: .upToNextOption, help: "File sizes to try, in MB (approximate).") var sizes: [Int] = [1, 16, 50]
    @Option(help: "text or json.") var output: BenchOutput = .text

    struct Row: Codable {
        var fileMB: Double
        var readerPeakMB: Double
        var domPeakMB: Double
        var ratio: Double
        var tests: Int
        var readerSeconds: Double
        var readerMBps: Double
        /// `xmllint --stream --noout` on the same file (nil when xmllint is not installed).
        var xmllintSeconds: Double?
        var xmllintMBps: Double?
    }

    func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-bench-junit-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rows: [Row] = []
        for size in sizes {
            let path = folder + "/TEST-\(size)MB.xml"
            try write(path, megabytes: size)
            let bytes = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
            Progress.say("\(path): \(String(format: "%.1f", bytes / 1_048_576)) MB")
            var count = 0
            let started = ContinuousClock.now
            let reader = try peak { count = try JUnitXMLReader.read(file: path).count }
            let readerSeconds = (ContinuousClock.now - started).timeInterval
            let xmllint = try Self.xmllint(path)
            let dom = try peak { _ = try XMLDocument(contentsOf: URL(fileURLWithPath: path), options: []).rootElement()?.childCount }
            guard count == tests else { throw BenchError("the reader found \(count) test cases of \(tests)") }
            let mb = bytes / 1_048_576
            rows.append(Row(fileMB: mb, readerPeakMB: reader, domPeakMB: dom, ratio: reader / max(dom, 0.001), tests: count,
                            readerSeconds: readerSeconds, readerMBps: mb / readerSeconds, xmllintSeconds: xmllint, xmllintMBps: xmllint.map { mb / $0 }))
            try FileManager.default.removeItem(atPath: path)
        }
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("file MB   tests   reader peak MB   XMLDocument peak MB   reader / DOM   reader s  reader MB/s  xmllint --stream s  xmllint MB/s  reader / xmllint speed")
        for row in rows {
            let lint = row.xmllintSeconds.map { String(format: "%18.2f  %12.1f  %22.2f", $0, row.xmllintMBps!, row.readerMBps / row.xmllintMBps!) }
                ?? "  (xmllint not installed: apt-get install libxml2-utils)"
            print(String(format: "%7.1f  %6d  %15.1f  %20.1f  %13.3f  %8.2f  %11.1f", row.fileMB, row.tests, row.readerPeakMB, row.domPeakMB, row.ratio,
                         row.readerSeconds, row.readerMBps) + lint)
        }
        if let first = rows.first, let last = rows.last, rows.count > 1 {
            print(String(format: "file ×%.0f: reader peak ×%.2f, DOM peak ×%.2f", last.fileMB / first.fileMB,
                         last.readerPeakMB / max(first.readerPeakMB, 0.001), last.domPeakMB / max(first.domPeakMB, 0.001)))
        }
    }

    /// Wall seconds of `xmllint --stream --noout FILE` (libxml2's streaming reader, the same parser
    /// XMLParser drives here); nil when xmllint is not on the machine.
    static func xmllint(_ path: String) throws -> Double? {
        guard let tool = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--stream", "--noout", "--huge", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("xmllint --stream refused \(path) (exit \(process.terminationStatus))") }
        return (ContinuousClock.now - started).timeInterval
    }

    /// MB the resident set grew to above its level before `body`, by the kernel's high-water mark.
    func peak(_ body: () throws -> Void) throws -> Double {
        func status(_ key: String) -> Double {
            let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = text.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "0") ?? 0) / 1024
        }
        guard (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil else {
            throw BenchError("cannot reset the peak memory mark (/proc/self/clear_refs): Linux only")
        }
        let before = status("VmRSS:")
        try body()
        return max(0, status("VmHWM:") - before)
    }

    /// A Surefire-like file: every test prints `system-out` sized so the file reaches `megabytes`.
    func write(_ path: String, megabytes: Int) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let outputPerTest = max(0, megabytes * 1_048_576 / tests - 300)
        let line = "2026-11-30 02:00:01.123 INFO  c.p.PayinService - payin accepted wallet=w-42 amount=1234 EUR\n"
        let output = String(repeating: line, count: outputPerTest / line.utf8.count + 1).prefix(outputPerTest)
        handle.write(Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"com.pay.PayinServiceTest\" tests=\"\(tests)\">\n".utf8))
        for index in 0..<tests {
            var body = "  <testcase name=\"case\(index)\" classname=\"com.pay.PayinServiceTest\" time=\"0.012\">\n"
            if index % 10 == 0 {
                body += "    <failure message=\"expected 2 but was 1\" type=\"org.opentest4j.AssertionFailedError\"><![CDATA[org.opentest4j.AssertionFailedError: expected 2 but was 1\n\tat com.pay.PayinServiceTest.case\(index)(PayinServiceTest.java:42)\n]]></failure>\n"
            }
            body += "    <system-out><![CDATA[\(output)]]></system-out>\n  </testcase>\n"
            handle.write(Data(body.utf8))
        }
        handle.write(Data("</testsuite>\n".utf8))
    }
}
