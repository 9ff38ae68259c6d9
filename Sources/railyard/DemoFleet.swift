import Foundation

/// The files the demo writes into its working folder: the fleet's railyard.yml, the versions'
/// behaviour (payin v3 fails 8% of pay-ins) and a pre-deployment script with its rollback.
enum DemoFleet {
    static let services = ["core": "monolith", "wallet": "microservice", "payin": "microservice", "payout": "microservice", "fx": "microservice"]

    /// Providers first: payin calls wallet, which converts through fx.
    static let dependsOn = ["payin": "wallet", "wallet": "fx"]

    static func railyardYAML(executable: String, behaviourPath: String) -> String {
        let serviceBlocks = services.keys.sorted().map { name in
            """
              \(name):
                kind: \(services[name]!)
                command: "'\(executable)' payments-demo --service \(name) --version {version} --port {port} --behaviour '\(behaviourPath)'"
                version: v1
                health: /health
                metrics: /metrics
                smoke: [/health, /metrics]
                start_timeout: 20s
                instances: { nightly: 1, testing: 1, perf: 1, staging: 1, dc1: 2, dc2: 2 }
                # The demo's build stamps a file (a real one compiles and packages the service): its
                # sha256 is recorded once, and checked before the version starts anywhere.
                build:
                  command: ["/bin/sh", "-c", "mkdir -p dist && printf '%s %s built for the demo\\n' \(name) $1 > dist/\(name)-$1.txt", "sh", "{version}"]
                  artifact: dist/\(name)-{version}.txt
                  timeout: 60s
            """ + (dependsOn[name].map { "\n    depends_on: [\($0)]" } ?? "")
        }.joined(separator: "\n")
        return """
            # The bundled payment fleet, written by `railyard demo`.
            services:
            \(serviceBlocks)

            environments:
              - name: nightly
              - name: testing
              - name: perf
              - name: staging
              - name: production
                datacenters: [dc1, dc2]

            scripts:
              - name: 001-payin-fee-column
                apply: scripts/001-payin-fee-column.sh
                rollback: scripts/001-payin-fee-column.rollback.sh
                timeout: 30s

            # The release calendar and its rules; the demo's server runs on a simulated clock, so a
            # train's days pass in seconds.
            trains:
              parallel: 2
              soak: { testing: 2d }
              sprint_days: 14
              sprint_start: 2026-01-05
              time_zone: Europe/Paris

            # The nightly of the train in development: its versions built, deployed to the nightly
            # environment and tested by the payment fleet's own suite. `railyard serve` runs it on
            # `schedule` (e.g. ["0 2 * * *", "0 13 * * *"]); the demo starts its runs by hand.
            nightly:
              environment: nightly
              reruns: 1
              flaky: { k: 2, m: 5 }
              suites:
                - name: payments
                  command: ["\(executable)", "payments-suite"]
                  list: ["\(executable)", "payments-suite", "--list"]
                  shards: 2
                  timeout: 120s
              owners:
                - { match: "payments.payin.*", service: payin }
                - { match: "payments.wallet.*", service: wallet }
                - { match: "payments.payout.*", service: payout }
                - { match: "payments.fx.*", service: fx }

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
                    - smoke
                    - setWeight: 10
                    - pause: 2s
                    # Half the traffic between canary and baseline (a train's wide scope halves it
                    # again): a pass is earned by requests, and the demo fleet serves few a second.
                    - setWeight: 50
                    - analysis:
                        judge: sequential
                        alpha: 0.01
                        interval: 1s
                        # A pass is earned, never given at the deadline: undecided at 20 s (a loaded
                        # machine serves fewer payments), the analysis watches up to 2 minutes more,
                        # then asks a person.
                        max_duration: 20s
                        max_extension: 2m
                        # Error rate only: the demo's services answer in well under a millisecond on
                        # loopback, where two fresh processes differ in latency by placement and CPU
                        # contention alone (a +50% allowance still failed v2 once under CI load).
                        metrics:
                          - name: error-rate
                            kind: error_rate
                            # A canary may fail up to +50% more often than its baseline, or at most 2%
                            # of payments whatever the baseline: the demo's versions fail none, so the
                            # pass rests on the canary's own rate, shown below 2% (about 300 requests).
                            allowed_increase: 0.5
                            acceptable_rate: 0.02
                    - pause: approval
                    - promote
                - name: dc2
                  target: dc2
                  steps:
                    - deploy
                    - setWeight: 50
                    - pause: 2s
                    - promote

            """
    }

    static let behaviourYAML = """
        # Per-version behaviour of the demo fleet: v3 of payin fails 8% of pay-ins.
        payin:
          v3: { failure_rate: 0.08 }
        fx:
          v3: { extra_latency_ms: 30 }

        """

    static let applyScript = """
        #!/bin/sh
        # Adds the fee column the new pay-in code reads (the demo's database is a file of statements).
        set -e
        mkdir -p db
        grep -q "payins.fee" db/schema.sql 2>/dev/null || echo "ALTER TABLE payins ADD COLUMN fee BIGINT NOT NULL DEFAULT 0; -- payins.fee" >> db/schema.sql
        echo "applied 001-payin-fee-column for $RAILYARD_ROLLOUT"

        """

    static let rollbackScript = """
        #!/bin/sh
        set -e
        mkdir -p db
        touch db/schema.sql
        grep -v "payins.fee" db/schema.sql > db/schema.sql.tmp || true
        mv db/schema.sql.tmp db/schema.sql
        echo "rolled back 001-payin-fee-column for $RAILYARD_ROLLOUT"

        """

    /// Writes the demo's files; returns the path of its railyard.yml.
    static func write(into folder: String, executable: String) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/scripts", withIntermediateDirectories: true)
        let behaviour = folder + "/behaviour.yml"
        try behaviourYAML.write(toFile: behaviour, atomically: true, encoding: .utf8)
        try applyScript.write(toFile: folder + "/scripts/001-payin-fee-column.sh", atomically: true, encoding: .utf8)
        try rollbackScript.write(toFile: folder + "/scripts/001-payin-fee-column.rollback.sh", atomically: true, encoding: .utf8)
        let config = folder + "/railyard.yml"
        try railyardYAML(executable: executable, behaviourPath: behaviour).write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }
}
