import Foundation
import RailyardAdapters
import RailyardPorts
import RailyardCore
import Testing

/// Reading railyard.yml from disk; every check of its content is Core's (`ConfigLoaderTests`).
@Suite("Config file")
struct ConfigFileTests {
    static let example = """
        services:
          payin:
            kind: microservice
            command: "payin --port {port} --version {version}"
            version: v1
            instances: { staging: 1 }
        environments:
          - name: staging
        deployment:
          waves:
            - name: staging
              target: staging
              steps: [deploy, promote]
        """

    @Test("load(path:) reads the file and resolves paths against its folder")
    func loadFromDisk() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("railyard-core-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("railyard.yml").path
        try Self.example.write(toFile: path, atomically: true, encoding: .utf8)

        let config = try ConfigFile.load(path: path)
        #expect(config.baseDirectory == folder.path)
        #expect(config.resolve(path: "scripts/x.sql") == folder.appendingPathComponent("scripts/x.sql").path)
        #expect(config.resolve(path: "../x.sql") == folder.deletingLastPathComponent().appendingPathComponent("x.sql").path)

        do {
            _ = try ConfigFile.load(path: folder.appendingPathComponent("missing.yml").path)
            Issue.record("a missing file must not load")
        } catch let errors as ConfigErrors {
            #expect(errors.diagnostics.count == 1)
            #expect(errors.diagnostics.first?.file == folder.appendingPathComponent("missing.yml").path)
            #expect(errors.diagnostics.first?.line == 1)
            #expect(errors.diagnostics.first?.column == 1)
            #expect(errors.diagnostics.first?.message.hasPrefix("cannot read file: ") == true)
        }
    }

    // MARK: - Diagnostics, one problem each
}
