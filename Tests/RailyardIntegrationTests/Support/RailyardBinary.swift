import Foundation

/// The `railyard` executable built beside the test bundle: tests run it as real processes.
enum RailyardBinary {
    static var path: String {
        let bundleFolder = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
        let candidates = [bundleFolder.appendingPathComponent("railyard").path,
                          bundleFolder.deletingLastPathComponent().appendingPathComponent("railyard").path,
                          packageRoot + "/.build/debug/railyard"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static func temporaryFolder(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-\(name)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Processes whose command line mentions `marker` (e.g. a test's temp folder): what a test left running.
    static func processes(mentioning marker: String) -> [Int32] {
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z") { return false }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(marker)
        }
    }

    /// `railyard serve` processes of `config` still there after a SIGKILL, given up to 5 s to go. A child the server
    /// was spawning when it died shows the server's command line until its exec, which follows within
    /// milliseconds (posix_spawn's child shares the parent's memory until then): only a process still matching
    /// after that is a server that survived.
    static func serversLeft(config: String) async -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(5)
        var left = processes(mentioning: "serve --config \(config)")
        while !left.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            left = processes(mentioning: "serve --config \(config)")
        }
        return left
    }

    /// A config for one payin service of the demo fleet, with the given waves.
    static func singleServiceConfig(behaviour: String, instances: String = "{ staging: 1, dc1: 2, dc2: 1 }", waves: String, scripts: String = "") -> String {
        """
        services:
          payin:
            kind: microservice
            command: "'\(path)' payments-demo --service payin --version {version} --port {port} --behaviour '\(behaviour)'"
            version: v1
            smoke: [/health]
            start_timeout: 30s
            instances: \(instances)
        environments:
          - name: staging
          - name: production
            datacenters: [dc1, dc2]
        \(scripts)
        deployment:
          waves:
        \(waves)
        """
    }

    /// Writes, into `folder`, a payin fleet (`behaviour.yml`: healthy unless said otherwise) and its railyard.yml
    /// with `waves`; returns the path of the railyard.yml.
    static func writePayinFleet(in folder: String, instances: String = "{ staging: 1, dc1: 2, dc2: 1 }", waves: String,
                                behaviour: String = "payin: {}\n") throws -> String {
        try behaviour.write(toFile: folder + "/behaviour.yml", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try singleServiceConfig(behaviour: folder + "/behaviour.yml", instances: instances, waves: waves)
            .write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// Writes, into `folder`, one payin instance in dc1 and a wave that deploys it and waits for an
    /// approval (`steps` to change that); returns the path of its railyard.yml.
    static func writeDC1Fleet(in folder: String, steps: String = "[deploy, pause: approval, promote]") throws -> String {
        try writePayinFleet(in: folder, instances: "{ dc1: 1 }", waves: "    - name: dc1\n      target: dc1\n      steps: \(steps)")
    }
}
