import ArgumentParser
import Foundation

/// `railyard-bench`: measurements of Railyard on this machine, with real processes.
@main
struct RailyardBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "railyard-bench",
        abstract: "Benchmarks of Railyard on this machine (real routers and instances, in a temporary state folder).",
        discussion: """
            Needs the release build of the railyard binary next to this one:
              swift build -c release --product railyard
              swift run -c release railyard-bench pipeline
            """,
        subcommands: [PipelineCommand.self, JudgeCommand.self, JUnitCommand.self, ShardsCommand.self]
    )
}

enum BenchOutput: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// Progress for people, on stderr, so stdout stays the result alone.
enum Progress {
    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
