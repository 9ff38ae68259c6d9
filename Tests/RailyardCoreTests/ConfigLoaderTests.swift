import Foundation
import Testing

@testable import RailyardCore

/// `railyard.yml` → `RailyardConfig`, and every diagnostic with its exact position and wording.
@Suite("Config loader")
struct ConfigLoaderTests {
    // MARK: - Helpers

    /// Parses text that must fail and returns its diagnostics (records an issue if it loads).
    func diagnostics(_ yaml: String, file: String = "railyard.yml",
                     sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml, file: file, baseDirectory: "/srv/railyard")
            Issue.record("expected the file to be rejected", sourceLocation: sourceLocation)
            return []
        } catch let errors as ConfigErrors {
            return errors.diagnostics
        } catch {
            Issue.record("expected ConfigErrors, got \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    /// (line, column, message) triples, for one-line comparisons.
    func triples(_ diagnostics: [ConfigDiagnostic]) -> [Triple] {
        diagnostics.map { Triple(line: $0.line, column: $0.column, message: $0.message) }
    }

    struct Triple: Equatable, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "\(line):\(column) \(message)" }
    }

    /// A service, environments and deployment that are valid; cases below change one thing each.
    static let validMinimal = """
        services:
          core:
            kind: monolith
            command: ./core --port {port}
            version: v1
            instances:
              staging: 1
        environments:
          - name: staging
        deployment:
          waves:
            - name: staging
              target: staging
              steps: [deploy, promote]
        """

    static let fullExample = """
        # The payment fleet.
        services:
          core:
            kind: monolith
            command: ./bin/core --port {port} --version "{version}" --name 'core app'
            version: v1.0.0
            health: /healthz
            metrics: /stats
            smoke: [/healthz, /payments]
            instances:
              staging: 1
              dc1: 2
              dc2: 3
            start_timeout: 45s
          fx:
            kind: microservice
            command: [./bin/fx, "--listen=127.0.0.1:{port}", "--release={version}"]
            version: "2026.48"
            instances:
              staging: 1
        environments:
          - name: nightly
          - name: staging
          - name: production
            datacenters: [dc1, dc2]
        scripts:
          - name: add-column
            apply: scripts/001-add-column.sql
            rollback: scripts/001-drop-column.sql
            timeout: 2m
          - name: backfill
            apply: /opt/scripts/002-backfill.sh
            rollback: /opt/scripts/002-unbackfill.sh
        deployment:
          waves:
            - name: pre-deployment
              steps: [scripts]
            - name: staging
              target: staging
              steps: [deploy, smoke, promote]
            - name: canary
              target: dc1
              steps:
                - deploy
                - setWeight: 10
                - pause: 30s
                - pause: approval
                - setWeight: 50
                - analysis
                - promote
            - name: dc2
              target: dc2
              steps:
                - deploy
                - pause: 1h30m
                - promote
        """

    // MARK: - A valid file

    @Test("the minimal file loads")
    func minimalLoads() throws {
        let config = try ConfigLoader.parse(Self.validMinimal, file: "railyard.yml", baseDirectory: "/srv")
        #expect(config.services.map(\.name) == ["core"])
        #expect(config.targets == [DeployTarget(name: "staging", environment: "staging")])
        #expect(config.scripts == [])
        #expect(config.deployment.waves == [WaveSpec(name: "staging", target: "staging", steps: [.deploy, .promote])])
    }

    @Test("a full railyard.yml loads into the expected model")
    func fullExampleLoads() throws {
        let config = try ConfigLoader.parse(Self.fullExample, file: "railyard.yml", baseDirectory: "/etc/railyard")
        #expect(config.baseDirectory == "/etc/railyard")

        // Environments and targets, in promotion order.
        #expect(config.environments == [
            EnvironmentSpec(name: "nightly"),
            EnvironmentSpec(name: "staging"),
            EnvironmentSpec(name: "production", datacenters: ["dc1", "dc2"]),
        ])
        #expect(config.targets == [
            DeployTarget(name: "nightly", environment: "nightly"),
            DeployTarget(name: "staging", environment: "staging"),
            DeployTarget(name: "dc1", environment: "production"),
            DeployTarget(name: "dc2", environment: "production"),
        ])
        #expect(config.target(named: "dc2") == DeployTarget(name: "dc2", environment: "production"))
        #expect(config.target(named: "production") == nil)

        // Services, in file order.
        #expect(config.services.map(\.name) == ["core", "fx"])
        let core = try #require(config.service(named: "core"))
        #expect(core.kind == .monolith)
        #expect(core.command.arguments == ["./bin/core", "--port", "{port}", "--version", "{version}", "--name", "core app"])
        #expect(core.initialVersion == "v1.0.0")
        #expect(core.healthPath == "/healthz")
        #expect(core.metricsPath == "/stats")
        #expect(core.smokePaths == ["/healthz", "/payments"])
        #expect(core.instances == ["staging": 1, "dc1": 2, "dc2": 3])
        #expect(core.instanceCount(in: "dc2") == 3)
        #expect(core.instanceCount(in: "nightly") == 0)
        #expect(core.startTimeout == .seconds(45))
        #expect(core.command.render(version: "v2", port: 8081)
                == ["./bin/core", "--port", "8081", "--version", "v2", "--name", "core app"])

        let fx = try #require(config.service(named: "fx"))
        #expect(fx.kind == .microservice)
        #expect(fx.command.arguments == ["./bin/fx", "--listen=127.0.0.1:{port}", "--release={version}"])
        #expect(fx.initialVersion == "2026.48")
        #expect(fx.healthPath == "/health")
        #expect(fx.metricsPath == "/metrics")
        #expect(fx.smokePaths == [])
        #expect(fx.instances == ["staging": 1])
        #expect(fx.startTimeout == .seconds(20))
        #expect(config.service(named: "wallet") == nil)

        // Scripts, in the order they run, with durations.
        #expect(config.scripts == [
            ScriptSpec(name: "add-column", apply: "scripts/001-add-column.sql", rollback: "scripts/001-drop-column.sql",
                       timeout: .seconds(120)),
            ScriptSpec(name: "backfill", apply: "/opt/scripts/002-backfill.sh", rollback: "/opt/scripts/002-unbackfill.sh",
                       timeout: .seconds(300)),
        ])
        #expect(config.resolve(path: config.scripts[0].apply) == "/etc/railyard/scripts/001-add-column.sql")
        #expect(config.resolve(path: config.scripts[1].apply) == "/opt/scripts/002-backfill.sh")

        // Waves and steps.
        #expect(config.deployment.waves == [
            WaveSpec(name: "pre-deployment", target: nil, steps: [.scripts]),
            WaveSpec(name: "staging", target: "staging", steps: [.deploy, .smoke, .promote]),
            WaveSpec(name: "canary", target: "dc1", steps: [
                .deploy, .setWeight(10), .pause(.seconds(30)), .approval, .setWeight(50), .analysis(.default), .promote,
            ]),
            WaveSpec(name: "dc2", target: "dc2", steps: [.deploy, .pause(.seconds(5400)), .promote]),
        ])
        #expect(config.deployment.waves[2].steps.map(\.description) == [
            "deploy", "setWeight: 10", "pause: 30s", "pause: approval", "setWeight: 50", "analysis", "promote",
        ])
        #expect(config.deployment.waves[3].steps[1].description == "pause: 1h30m")
    }

    @Test("setWeight accepts both ends of 0...100")
    func setWeightBounds() throws {
        let yaml = Self.validMinimal.replacingOccurrences(
            of: "steps: [deploy, promote]", with: "steps: [deploy, setWeight: 0, setWeight: 100, promote]")
        // A flow sequence of single-pair mappings.
        let config = try ConfigLoader.parse(yaml, file: "railyard.yml", baseDirectory: "/")
        #expect(config.deployment.waves[0].steps == [.deploy, .setWeight(0), .setWeight(100), .promote])
    }

    @Test("unknown top-level key suggests the closest one")
    func unknownTopLevelKey() {
        let yaml = """
            environments:
              - name: staging
            servics:
              core:
                kind: monolith
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 1, column: 1, message: "missing key 'services'"),
            Triple(line: 3, column: 1, message: "unknown key 'servics' in top level; did you mean 'services'?"),
        ])
    }

    @Test("an unknown key far from every known key gets no suggestion")
    func unknownKeyWithoutSuggestion() {
        let yaml = Self.validMinimal + "\nmonitoring: true\n"
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 15, column: 1, message: "unknown key 'monitoring' in top level"),
        ])
    }

    @Test("unknown service key suggests the closest one")
    func unknownServiceKey() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                helth: /health
                instances:
                  staging: 1
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 6, column: 5, message: "unknown key 'helth' in service 'core'; did you mean 'health'?"),
        ])
    }

    /// The first ten lines of a file with production in two datacenters; waves follow.
    static let productionHead = """
        services:
          core:
            kind: monolith
            command: ./core --port {port}
            version: v1
            instances:
              dc1: 1
        environments:
          - name: staging
          - name: production
            datacenters: [dc1, dc2]
        deployment:
          waves:
        """

    @Test("unknown step suggests the right spelling")
    func unknownStep() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps:
                    - deploy
                    - setweight: 10
                    - promote
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 18, column: 11, message: "wave 'canary': unknown step 'setweight'; did you mean 'setWeight'?"),
        ])
    }

    @Test("an unknown plain-word step suggests the closest one")
    func unknownWordStep() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps: [deploy, promot]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 16, column: 23, message: "wave 'canary': unknown step 'promot'; did you mean 'promote'?"),
        ])
    }

    @Test("setWeight outside 0...100 or not a number is refused at its value", arguments: ["150", "101", "-1", "ten", "12.5"])
    func setWeightOutOfRange(value: String) {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps:
                    - deploy
                    - setWeight: \(value)
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 18, column: 22, message: "wave 'canary': setWeight must be a whole percentage from 0 to 100"),
        ])
    }

    @Test("a pause that is neither a duration nor 'approval' is refused at its value", arguments: ["30x", "soon", "30", "Approval"])
    func badPause(value: String) {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps:
                    - deploy
                    - pause: \(value)
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 18, column: 18, message: "wave 'canary': pause takes a duration (30s, 5m, 1h) or 'approval'"),
        ])
    }

    @Test("a word step written with a value is refused")
    func wordStepWithValue() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps:
                    - deploy: now
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 17, column: 11, message: "wave 'canary': step 'deploy' takes no value; write it as a plain word"),
        ])
    }

    @Test("unknown target in a wave")
    func unknownWaveTarget() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc3
                  steps: [deploy, promote]
                - name: mars
                  target: olympus
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            // dc1 and dc2 are both one edit away; the first declared wins.
            Triple(line: 15, column: 15, message: "wave 'canary': unknown target 'dc3'; did you mean 'dc1'?"),
            Triple(line: 18, column: 15, message: "wave 'mars': unknown target 'olympus'"),
        ])
    }

    @Test("production itself is not a target once it has datacenters")
    func productionIsNotATarget() {
        let yaml = Self.productionHead + """

                - name: prod
                  target: production
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 15, column: 15, message: "wave 'prod': unknown target 'production'"),
        ])
    }

    @Test("unknown target in a service's instances")
    func unknownInstancesTarget() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 1
                  stagin: 1
                  mars: 2
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 8, column: 7,
                   message: "service 'core': unknown environment or datacenter 'stagin' in instances; did you mean 'staging'?"),
            Triple(line: 9, column: 7, message: "service 'core': unknown environment or datacenter 'mars' in instances"),
        ])
    }

    @Test("instance counts must be whole numbers from 0 to 64")
    func instanceCounts() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 65
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 7, column: 16, message: "service 'core': instances in 'staging' must be a whole number from 0 to 64"),
        ])
    }

    @Test("production must list its datacenters")
    func productionWithoutDatacenters() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 1
            environments:
              - name: staging
              - name: production
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 9, column: 3, message: "environment 'production' must list its datacenters (e.g. [dc1, dc2])"),
        ])
    }

    @Test("an empty datacenters list is refused")
    func emptyDatacenters() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 1
            environments:
              - name: staging
              - name: production
                datacenters: []
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 9, column: 3, message: "environment 'production' must list its datacenters (e.g. [dc1, dc2])"),
            Triple(line: 11, column: 18, message: "environment 'production': datacenters is empty"),
        ])
    }

    @Test("a command without {port} is refused")
    func commandWithoutPort() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "./core --port {port}", with: "./core --port 8080")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 4, column: 14,
                   message: "service 'core': command must contain {port}, so each instance gets its own port"),
        ])
    }

    @Test("a command list without {port} is refused at the list")
    func commandListWithoutPort() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "./core --port {port}", with: "[./core, --version, '{version}']")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 4, column: 14,
                   message: "service 'core': command must contain {port}, so each instance gets its own port"),
        ])
    }

    @Test
    func portSplitAcrossArguments() {
        // Arguments are ["./core", "{po", "rt}"]: no argument holds {port}, render never substitutes a port.
        let yaml = Self.validMinimal.replacingOccurrences(of: "./core --port {port}", with: "./core {po rt}")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 4, column: 14,
                   message: "service 'core': command must contain {port}, so each instance gets its own port"),
        ])
    }

    @Test("an unknown placeholder in a command is refused")
    func unknownPlaceholder() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "./core --port {port}", with: "./core --port {port} --x {foo}")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 4, column: 14, message: "service 'core': unknown placeholder {foo} in command (known: {version}, {port})"),
        ])
    }

    @Test("an unterminated quote in a command is refused")
    func unterminatedQuote() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "./core --port {port}", with: "./core --port {port} 'x")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 4, column: 14, message: "service 'core': command has an unterminated quote"),
        ])
    }

    @Test("kind must be monolith or microservice", arguments: ["lambda", "Monolith"])
    func badKind(kind: String) {
        let yaml = Self.validMinimal.replacingOccurrences(of: "kind: monolith", with: "kind: \(kind)")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 3, column: 11, message: "service 'core': kind must be monolith or microservice, not '\(kind)'"),
        ])
    }

    @Test("a version that could carry shell syntax is refused")
    func badVersion() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "version: v1", with: "version: \"v1;rm -rf /\"")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 5, column: 14, message: "service 'core': version 'v1;rm -rf /' is not valid: \(VersionName.rule)"),
        ])
    }

    @Test("missing required service keys are each reported at the service")
    func missingServiceKeys() {
        let yaml = """
            services:
              core:
                kind: monolith
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 3, column: 5, message: "service 'core': missing key 'command'"),
            Triple(line: 3, column: 5, message: "service 'core': missing key 'version'"),
            Triple(line: 3, column: 5, message: "service 'core': missing key 'instances'"),
        ])
    }

    @Test("invalid YAML syntax is reported at libyaml's position")
    func invalidYAML() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: "./core --port {port}
                version: v1
            """
        let found = diagnostics(yaml)
        #expect(found.count == 1)
        // The quoted scalar runs to the end of the text: line 5, just after "v1".
        #expect(found.first?.line == 5)
        #expect(found.first?.column == 16)
        #expect(found.first?.message == "invalid YAML: found unexpected end of stream")
    }

    @Test("a bad indentation is reported on its line")
    func invalidIndentation() {
        let yaml = """
            services:
              core:
                kind: monolith
               command: ./core --port {port}
            """
        let found = diagnostics(yaml)
        #expect(found.count == 1)
        #expect(found.first?.line == 4)
        #expect(found.first?.column == 4)
        #expect(found.first?.message.hasPrefix("invalid YAML: ") == true)
    }

    @Test("an empty file says which keys it needs", arguments: ["", "\n\n", "# only a comment\n"])
    func emptyFile(text: String) {
        #expect(triples(diagnostics(text)) == [
            Triple(line: 1, column: 1, message: "file is empty: expected keys services, environments, scripts, deployment"),
        ])
    }

    @Test("a top level that is not a mapping")
    func topLevelNotMapping() {
        #expect(triples(diagnostics("- services\n- deployment\n")) == [
            Triple(line: 1, column: 1, message: "the top level must be a mapping of keys to values"),
        ])
    }

    @Test("duplicate environment names")
    func duplicateEnvironments() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 1
            environments:
              - name: staging
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 10, column: 5, message: "environment or datacenter 'staging' is declared twice"),
        ])
    }

    @Test("an environment named like a datacenter clashes with it")
    func environmentClashesWithDatacenter() {
        let yaml = Self.productionHead.replacingOccurrences(of: "  - name: staging\n", with: "  - name: dc2\n") + """

                - name: canary
                  target: dc1
                  steps: [deploy, promote]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 10, column: 5, message: "environment or datacenter 'dc2' is declared twice"),
        ])
    }

    @Test("setWeight, smoke, analysis or promote before deploy in a wave")
    func stepBeforeDeploy() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps:
                    - setWeight: 10
                    - deploy
                    - promote
                - name: dc2
                  target: dc2
                  steps: [smoke, analysis, deploy]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 14, column: 7, message: "wave 'canary': 'setWeight: 10' comes before 'deploy' in this wave"),
            Triple(line: 20, column: 7, message: "wave 'dc2': 'smoke' comes before 'deploy' in this wave"),
            Triple(line: 20, column: 7, message: "wave 'dc2': 'analysis' comes before 'deploy' in this wave"),
        ])
    }

    @Test("a wave without a target may only run scripts and pauses")
    func waveWithoutTarget() {
        let yaml = Self.productionHead + """

                - name: prepare
                  steps: [scripts, pause: 5m, pause: approval]
                - name: staging
                  steps: [deploy]
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 16, column: 7,
                   message: "wave 'staging': steps other than scripts and pauses need a 'target' (an environment or datacenter)"),
        ])
    }

    @Test("a wave without steps")
    func waveWithoutSteps() {
        let yaml = Self.productionHead + """

                - name: canary
                  target: dc1
                  steps: []
                - name: dc2
                  target: dc2
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 16, column: 14, message: "wave 'canary': 'steps' must be a non-empty list"),
            Triple(line: 17, column: 7, message: "wave 'dc2': 'steps' must be a non-empty list"),
        ])
    }

    @Test("duplicate script names and bad script timeouts")
    func scriptProblems() {
        let yaml = Self.validMinimal + """

            scripts:
              - name: add-column
                apply: a.sql
                rollback: b.sql
              - name: add-column
                apply: c.sql
                rollback: d.sql
                timeout: forever
              - name: no-rollback
                apply: e.sql
            """
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 19, column: 5, message: "script 'add-column' is declared twice"),
            Triple(line: 22, column: 14, message: "script 'add-column': 'timeout' must be a duration such as 500ms, 30s, 5m or 1h"),
            Triple(line: 23, column: 5, message: "script 'no-rollback': missing key 'rollback' (the script that undoes it; or `expand_only: true` when it only adds what the version before ignores)"),
        ])
    }

    @Test("missing top-level keys are reported at the start of the document")
    func missingTopLevelKeys() {
        #expect(triples(diagnostics("scripts: []\n")) == [
            Triple(line: 1, column: 1, message: "missing key 'environments'"),
            Triple(line: 1, column: 1, message: "missing key 'services'"),
            Triple(line: 1, column: 1, message: "missing key 'deployment'"),
        ])
    }

    @Test
    func duplicateServiceNames() {
        let yaml = """
            services:
              core:
                kind: monolith
                command: ./core --port {port}
                version: v1
                instances:
                  staging: 1
              core:
                kind: monolith
                command: ./core --port {port}
                version: v2
                instances:
                  staging: 1
            environments:
              - name: staging
            deployment:
              waves:
                - name: staging
                  target: staging
                  steps: [deploy, promote]
            """
        let found = diagnostics(yaml)
        #expect(found.count == 1)
        #expect(found.first?.line == 2 || found.first?.line == 8)
        #expect(found.first?.message.contains("core") == true)
        #expect(found.first?.message.contains("kind: monolith") == false)  // not the whole file
    }

    @Test
    func hugeDurationIsRefused() {
        let yaml = Self.validMinimal.replacingOccurrences(of: "steps: [deploy, promote]", with: "steps: [deploy, pause: 9999999999999999h]")
        #expect(triples(diagnostics(yaml)) == [
            Triple(line: 14, column: 30, message: "wave 'staging': pause takes a duration (30s, 5m, 1h) or 'approval'"),
        ])
    }

    @Test("trains: parallel, soak, the timetable and its freezes; every bad value at its line")
    func trainsSection() throws {
        let good = Self.validMinimal + """

            trains:
              parallel: 3
              soak: { testing: 24h }
              sprint_days: 7
              sprint_start: 2026-03-23
              time_zone: Europe/Paris
              lanes: { development: 0, testing: 1, production: 2 }
              blackouts:
                - { name: month-end, month_end: 2 }
                - { name: black-friday, from: "2026-11-27 00:00", to: "2026-11-30 06:00" }
            """
        let config = try ConfigLoader.parse(good, file: "railyard.yml", baseDirectory: "/srv")
        #expect(config.trains.parallel == 3 && config.trains.soak == [.testing: .seconds(86_400)])
        let timetable = config.trains.timetable
        #expect(timetable.sprintDays == 7 && timetable.timeZone.identifier == "Europe/Paris")
        #expect(timetable.lanes.map { "\($0.stage.rawValue) \($0.sprintsBehind)" } == ["development 0", "testing 1", "production 2"])
        #expect(timetable.blackouts.map(\.name) == ["month-end", "black-friday"])
        #expect(try ConfigLoader.parse(Self.validMinimal, file: "x", baseDirectory: "/").trains == TrainsSpec(), "defaults without the section")

        let bad = Self.validMinimal + """

            trains:
              parallel: 0
              soak: { production: 1h, testing: soon }
              sprint_days: 0
              time_zone: Mars/Olympus
              lanes: { testing: -1, qa: 1 }
              blackouts:
                - { name: x, from: "2026-12-01", to: "2026-11-01" }
                - { name: y, month_end: 40 }
                - { name: z, from: "someday", to: "2026-11-01" }
            """
        #expect(triples(diagnostics(bad)) == [
            Triple(line: 16, column: 13, message: "trains: parallel must be a whole number from 1 to 16: how many services of one dependency batch deploy at once"),
            Triple(line: 17, column: 11, message: "unknown key 'production' in trains: soak (the stages a train soaks in)"),
            Triple(line: 17, column: 36, message: "trains: soak: testing must be a duration such as 24h or 90m"),
            Triple(line: 18, column: 16, message: "trains: sprint_days must be a whole number of days from 1 to 60, e.g. 14"),
            Triple(line: 19, column: 14, message: "trains: time_zone must be an IANA time zone such as Europe/Paris or UTC, not 'Mars/Olympus'"),
            Triple(line: 20, column: 21, message: "trains: lanes: testing must be how many sprints behind the current one, 0 to 12"),
            Triple(line: 20, column: 25, message: "unknown key 'qa' in trains: lanes (stage: how many sprints behind the current one)"),
            Triple(line: 22, column: 42, message: "trains: blackouts: x: 'to' must come after 'from'"),
            Triple(line: 23, column: 29, message: "trains: blackouts: y: month_end must be how many last days of each month, 1 to 10"),
            Triple(line: 24, column: 24, message: "trains: blackouts: z: give from and to as local date-times (2026-11-27 00:00), or month_end: DAYS"),
        ])
    }

    @Test("trains: quality sets Reldex target ranges; a bad range is an error at its line")
    func trainsQuality() throws {
        let good = Self.validMinimal + """

            trains:
              quality:
                validation_days: { target: 3, tolerable: 7 }
                hotfixes: { tolerable: 2 }
            """
        let quality = try ConfigLoader.parse(good, file: "railyard.yml", baseDirectory: "/srv").trains.quality
        #expect(quality.map { "\($0.name) \($0.target.formatted()) \($0.tolerable.formatted())" }
                == ["hotfixes 0 2", "rollbacks 0 1", "validation_days 3 7", "soak_extensions 0 1"])
        let bad = Self.validMinimal + """

            trains:
              quality:
                validation_days: { target: 8, tolerable: 7 }
                rollbacks: { target: -1 }
                uptime: { target: 1 }
            """
        #expect(triples(diagnostics(bad)) == [
            Triple(line: 17, column: 22, message: "trains: quality: validation_days: tolerable (7) must be at least target (8)"),
            Triple(line: 18, column: 26, message: "trains: quality: rollbacks: target must be a number, 0 or more"),
            Triple(line: 19, column: 5, message: "unknown key 'uptime' in trains: quality (a measure: {target, tolerable})"),
        ])
    }

    @Test("a script has a rollback or is declared expand-only, never both nor neither")
    func expandOnlyScripts() throws {
        let scripts = """

            scripts:
              - { name: 001-fee, apply: a.sh, rollback: r.sh }
              - { name: 002-index, apply: b.sh, expand_only: true }
            """
        let config = try ConfigLoader.parse(Self.validMinimal + scripts, file: "railyard.yml", baseDirectory: "/srv")
        #expect(config.scripts.map { "\($0.name) \($0.rollback ?? "-") \($0.isExpandOnly)" } == ["001-fee r.sh false", "002-index - true"])
        let bad = Self.validMinimal + """

            scripts:
              - { name: 001-fee, apply: a.sh }
              - { name: 002-index, apply: b.sh, rollback: r.sh, expand_only: true }
              - { name: 003-x, apply: c.sh, expand_only: maybe, rollback: r.sh }
            """
        let found = triples(diagnostics(bad))
        #expect(found.map(\.message) == [
            "script '001-fee': missing key 'rollback' (the script that undoes it; or `expand_only: true` when it only adds what the version before ignores)",
            "script '002-index': an expand-only script has no rollback; remove `rollback` or `expand_only: true`",
            "script '003-x': expand_only must be true or false",
        ], "\(found)")
        #expect(found.map(\.line) == [16, 17, 18])
    }

    @Test("nightly: schedules in a time zone, suites with shards and services, owners; every bad value at its line")
    func nightlySection() throws {
        let good = Self.validMinimal + """

            trains: { time_zone: Europe/Paris }
            nightly:
              schedule: ["0 2 * * *", "0 12 * * MON-FRI"]
              catch_up: none
              environment: staging
              reruns: 2
              flaky: { k: 3, m: 10 }
              suites:
                - name: payments
                  command: python3 -m pytest --junitxml=report.xml
                  list: [python3, -m, pytest, --collect-only, -q]
                  shards: 2
                  services: [core]
                  timeout: 20m
              owners:
                - { match: "test_core*", service: core }
            """
        let nightly = try ConfigLoader.parse(good, file: "railyard.yml", baseDirectory: "/srv").nightly
        #expect(nightly.schedule.map(\.description) == ["0 2 * * * (Europe/Paris)", "0 12 * * MON-FRI (Europe/Paris)"])
        #expect(nightly.catchUp == .none && nightly.environment == "staging" && nightly.reruns == 2 && nightly.flakyK == 3 && nightly.flakyM == 10)
        #expect(nightly.suites == [SuiteSpec(name: "payments", command: ["python3", "-m", "pytest", "--junitxml=report.xml"],
                                             list: ["python3", "-m", "pytest", "--collect-only", "-q"], shards: 2, services: ["core"], timeout: .seconds(1200))])
        #expect(nightly.service(of: "test_core_refunds.test_partial") == "core" && nightly.service(of: "test_wallet.test_x") == nil)
        #expect(try ConfigLoader.parse(Self.validMinimal, file: "x", baseDirectory: "/").nightly == NightlySpec(), "defaults without the section")

        let bad = Self.validMinimal + """

            nightly:
              schedule: ["0 25 * * *", "0 2 * *"]
              catch_up: twice
              environment: nighty
              reruns: 9
              flaky: { k: 5, m: 2 }
              suites:
                - name: payments
                  shards: 4
                  services: [wallet]
              owners:
                - { match: "test_*", service: payout }
            """
        #expect(triples(diagnostics(bad)).map { "\($0.line) \($0.message)" } == [
            "16 nightly: schedule '0 25 * * *': hour: 25 is outside 0-23",
            "16 nightly: schedule '0 2 * *': expression: '0 2 * *' has 4 field(s); cron takes 5: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"",
            "17 nightly: catch_up must be one (a run missed while Railyard was down runs once on restart) or none",
            "18 nightly: environment 'nighty' is not an environment or datacenter of railyard.yml",
            "19 nightly: reruns must be how many times a failed test runs again, 0 to 5",
            "20 nightly: flaky must be {k, m} with 1 ≤ k ≤ m ≤ 100: a test flaky in k of the last m runs is proposed for quarantine",
            "22 nightly: suite 'payments': missing key 'command' (the program that runs the tests and writes $RAILYARD_JUNIT)",
            "23 nightly: suite 'payments': 4 shards need `list`, the command that prints the suite's tests one per line",
            "24 nightly: suite 'payments': no service 'wallet' in railyard.yml",
            "26 nightly: owners: no service 'payout' in railyard.yml",
        ])
    }

    // MARK: - Several problems at once

    @Test("every problem of a file is reported, sorted by line and column")
    func severalErrors() {
        let yaml = """
            services:
              core:
                kind: lambda
                command: ./core --port 8080
                version: v1
                helth: /health
                instances:
                  stagin: 1
            environments:
              - name: staging
              - name: production
            deployment:
              waves:
                - name: canary
                  target: dc3
                  steps:
                    - setWeight: 10
                    - pause: 30x
                    - deploy
                    - setweight: 10
            """
        let found = diagnostics(yaml, file: "conf/railyard.yml")
        #expect(triples(found) == [
            Triple(line: 3, column: 11, message: "service 'core': kind must be monolith or microservice, not 'lambda'"),
            Triple(line: 4, column: 14,
                   message: "service 'core': command must contain {port}, so each instance gets its own port"),
            Triple(line: 6, column: 5, message: "unknown key 'helth' in service 'core'; did you mean 'health'?"),
            Triple(line: 8, column: 7,
                   message: "service 'core': unknown environment or datacenter 'stagin' in instances; did you mean 'staging'?"),
            Triple(line: 10, column: 3, message: "environment 'production' must list its datacenters (e.g. [dc1, dc2])"),
            Triple(line: 14, column: 7, message: "wave 'canary': 'setWeight: 10' comes before 'deploy' in this wave"),
            Triple(line: 15, column: 15, message: "wave 'canary': unknown target 'dc3'"),
            Triple(line: 18, column: 18, message: "wave 'canary': pause takes a duration (30s, 5m, 1h) or 'approval'"),
            Triple(line: 20, column: 11, message: "wave 'canary': unknown step 'setweight'; did you mean 'setWeight'?"),
        ])
        // Sorted by (line, column), and every diagnostic names the file it came from.
        let positions = found.map { [$0.line, $0.column] }
        #expect(positions == positions.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
        #expect(found.allSatisfy { $0.file == "conf/railyard.yml" })
    }

    // MARK: - Printing

    @Test("a diagnostic prints as FILE:LINE:COL: error: MESSAGE")
    func diagnosticDescription() {
        let diagnostic = ConfigDiagnostic(file: "conf/railyard.yml", line: 12, column: 7, message: "wave 'x': unknown target 'dc3'")
        #expect(diagnostic.description == "conf/railyard.yml:12:7: error: wave 'x': unknown target 'dc3'")
        #expect("\(diagnostic)" == "conf/railyard.yml:12:7: error: wave 'x': unknown target 'dc3'")
    }

    @Test("ConfigErrors prints one diagnostic per line, as the loader found them")
    func errorsDescription() throws {
        let yaml = Self.validMinimal
            .replacingOccurrences(of: "kind: monolith", with: "kind: lambda")
            .replacingOccurrences(of: "version: v1", with: "versio: v1")
        do {
            _ = try ConfigLoader.parse(yaml, file: "r.yml", baseDirectory: "/")
            Issue.record("expected errors")
        } catch let errors as ConfigErrors {
            #expect(errors.description == """
                r.yml:3:5: error: service 'core': missing key 'version'
                r.yml:3:11: error: service 'core': kind must be monolith or microservice, not 'lambda'
                r.yml:5:5: error: unknown key 'versio' in service 'core'; did you mean 'version'?
                """)
        }
    }

    // MARK: - Suggestions

    @Test("suggestions: case-insensitive, within max(2, length/3) edits, else none")
    func suggestions() {
        #expect(Suggestion.closest(to: "setweight", among: ConfigLoader.stepKeys) == "setWeight")
        #expect(Suggestion.closest(to: "servics", among: ConfigLoader.topLevelKeys) == "services")
        #expect(Suggestion.closest(to: "deploymnet", among: ConfigLoader.topLevelKeys) == "deployment")
        #expect(Suggestion.closest(to: "xyz", among: ConfigLoader.topLevelKeys) == nil)
        #expect(Suggestion.closest(to: "a", among: []) == nil)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
        #expect(Suggestion.distance("", "abc") == 3)
        #expect(Suggestion.distance("abc", "") == 3)
        #expect(Suggestion.distance("same", "same") == 0)
    }
}
