import Foundation
import RailyardAdapters
import RailyardCore
import Testing

/// Builds with real commands from railyard.yml: a file and a folder artifact with their sha256, a
/// failure with its last lines, a timeout, no artifact; a changed or missing artifact refused.
@Suite("Artifact builder: build once, record the sha256, refuse what changed")
struct ArtifactBuilderTests {
    func config(_ folder: String, build: String) throws -> RailyardConfig {
        try ConfigLoader.parse("""
            services:
              payin:
                kind: microservice
                command: ["/bin/true", "{port}"]
                version: v1
                instances: { nightly: 1 }
                build: \(build)
            environments:
              - name: nightly
            deployment:
              waves:
                - { name: nightly, target: nightly, steps: [deploy, promote] }
            """, file: folder + "/railyard.yml", baseDirectory: folder)
    }

    @Test func aFileAndAFolderWithTheirHashes() async throws {
        let folder = try RailyardTestFolder.make("build")
        let builder = ArtifactBuilder(baseDirectory: folder, logFolder: folder + "/logs")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let file = try config(folder, build: #"{ command: ["/bin/sh", "-c", "mkdir -p dist && printf 'payin %s' \"$0\" > dist/payin-$0.bin && echo built $0", "{version}"], artifact: "dist/payin-{version}.bin" }"#)
        let record = try await builder.build(file.service(named: "payin")!, version: "2026.48.1", at: now)
        #expect(record.path == folder + "/dist/payin-2026.48.1.bin" && record.bytes == 15 && record.builtAt == now)
        // sha256("payin 2026.48.1"), as `sha256sum` computes it.
        let expected = try Self.sha256sum(record.path)
        #expect(record.sha256 == expected && record.sha256.count == 64)
        #expect(record.refusal(currentHash: try ArtifactBuilder.sha256(of: record.path)?.0) == nil)
        #expect((try String(contentsOfFile: folder + "/logs/build-payin-2026.48.1.log", encoding: .utf8)).contains("built 2026.48.1"))

        // Changed after it was built: refused with both hashes; gone: refused too.
        try "payin 2026.48.1 patched".write(toFile: record.path, atomically: true, encoding: .utf8)
        let changed = try #require(record.refusal(currentHash: try ArtifactBuilder.sha256(of: record.path)?.0))
        #expect(changed.contains("changed after it was built and tested (recorded sha256 \(record.sha256.prefix(12)), now"))
        try FileManager.default.removeItem(atPath: record.path)
        #expect(record.refusal(currentHash: try ArtifactBuilder.sha256(of: record.path)?.0)?.contains("is gone from") == true)

        // A folder: any edited, added or renamed file changes its hash.
        let tree = try config(folder, build: #"{ command: ["/bin/sh", "-c", "mkdir -p out/$0/lib && echo a > out/$0/app && echo b > out/$0/lib/x.so", "{version}"], artifact: "out/{version}" }"#)
        let built = try await builder.build(tree.service(named: "payin")!, version: "v2", at: now)
        #expect(built.bytes == 4)
        let before = built.sha256
        try "b".write(toFile: folder + "/out/v2/lib/y.so", atomically: true, encoding: .utf8)
        let added = try #require(try ArtifactBuilder.sha256(of: built.path)).0
        try FileManager.default.removeItem(atPath: folder + "/out/v2/lib/y.so")
        #expect(try ArtifactBuilder.sha256(of: built.path)?.0 == before, "the same tree hashes the same")
        try FileManager.default.moveItem(atPath: folder + "/out/v2/lib/x.so", toPath: folder + "/out/v2/lib/z.so")
        let renamed = try #require(try ArtifactBuilder.sha256(of: built.path)).0
        #expect(Set([before, added, renamed]).count == 3)
    }

    @Test func aFailedBuildSaysWhyWithItsLastLines() async throws {
        let folder = try RailyardTestFolder.make("build-fail")
        let builder = ArtifactBuilder(baseDirectory: folder, logFolder: folder + "/logs")
        let failing = try config(folder, build: #"{ command: ["/bin/sh", "-c", "echo compiling; echo 'PayinService.java:42: error: cannot find symbol' >&2; exit 2"], artifact: "x" }"#)
        await #expect(throws: ArtifactBuilder.Failure.self) { try await builder.build(failing.service(named: "payin")!, version: "v2", at: .now) }
        do { _ = try await builder.build(failing.service(named: "payin")!, version: "v2", at: .now) } catch let failure as ArtifactBuilder.Failure {
            #expect(failure.description == "build of payin v2 failed: exit 2; last lines:\ncompiling\nPayinService.java:42: error: cannot find symbol")
        }
        let slow = try config(folder, build: #"{ command: ["/bin/sh", "-c", "echo started; sleep 30"], artifact: "x", timeout: 1s }"#)
        do { _ = try await builder.build(slow.service(named: "payin")!, version: "v2", at: .now); Issue.record("no timeout") } catch let failure as ArtifactBuilder.Failure {
            #expect(failure.reason.hasPrefix("timed out after 1s (killed)") && failure.reason.contains("started"))
        }
        let empty = try config(folder, build: #"{ command: ["/bin/true"], artifact: "dist/none-{version}.bin" }"#)
        do { _ = try await builder.build(empty.service(named: "payin")!, version: "v2", at: .now); Issue.record("no artifact accepted") } catch let failure as ArtifactBuilder.Failure {
            #expect(failure.reason == "the build left no artifact at \(folder)/dist/none-v2.bin")
        }
    }

    @Test func aBadBuildInRailyardYmlIsAnErrorAtItsLine() throws {
        let folder = try RailyardTestFolder.make("build-config")
        #expect(throws: ConfigErrors.self) { try config(folder, build: #"{ command: ["make", "{port}"], artifact: "x" }"#) }
        do { _ = try config(folder, build: #"{ command: "make {version}" }"#) } catch let errors as ConfigErrors {
            #expect(errors.diagnostics.map(\.message) == ["service 'payin': build: missing key 'artifact' (the file or folder the build leaves, e.g. dist/payin-{version}.tar.gz)"])
            #expect(errors.diagnostics.first?.line == 7)
        }
    }

    static func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(output.prefix(64))
    }
}
