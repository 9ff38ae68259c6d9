import Foundation
import RailyardAdapters
import Testing

/// How `railyard serve` starts safely: plain HTTP only on loopback unless told otherwise, TLS from PEM
/// files, the first admin token from --init-admin (once) or a 0600 file, never a default password.
@Suite("serve: TLS, first admin token, plain HTTP refused off loopback", .serialized)
struct ServeSecurityTests {
    struct Outcome { var status: Int32?; var out: String; var err: String }

    /// Runs `railyard serve ARGS` until it exits or answers health on `url`; then stops it.
    static func serve(_ arguments: [String], folder: String, health url: String? = nil, curl: [String] = [],
                      whileRunning: (() throws -> Void)? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RailyardBinary.path)
        process.arguments = ["serve", "--config", folder + "/railyard.yml", "--state-dir", folder + "/state"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var answered = false
        for _ in 0..<300 where process.isRunning {
            if let url, (try? run("/usr/bin/curl", curl + ["-sf", url + "/api/v1/health"]).status) == 0 { answered = true; break }
            usleep(50_000)
        }
        if answered { try whileRunning?() }
        let status: Int32? = process.isRunning ? nil : process.terminationStatus
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Outcome(status: status, out: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                       err: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func folder(_ name: String) throws -> String {
        let folder = try RailyardBinary.temporaryFolder(name)
        _ = try RailyardBinary.writeDC1Fleet(in: folder, steps: "[deploy, promote]")
        return folder
    }

    @Test func plainHTTPOffLoopbackIsRefusedAndHalfATLSPairToo() throws {
        let folder = try Self.folder("serve-plain")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = try Self.serve(["--host", "0.0.0.0", "--port", String(try FreePort.next())], folder: folder)
        #expect(plain.status == 1 && plain.err.contains("plain HTTP would send tokens in the clear") && plain.err.contains("--tls-cert"),
                "\(plain)")
        let half = try Self.serve(["--tls-cert", folder + "/cert.pem", "--port", String(try FreePort.next())], folder: folder)
        #expect(half.status == 1 && half.err.contains("needs both --tls-cert and --tls-key"), "\(half)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/state/railyard.sqlite"), "a refused start touches no store")
    }

    @Test func initAdminPrintsTheFirstTokenOnceAndOnlyOnAnEmptyStore() throws {
        let folder = try Self.folder("serve-init-admin")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try FreePort.next(), url = "http://127.0.0.1:\(port)"
        let first = try Self.serve(["--host", "0.0.0.0", "--insecure-http", "--init-admin", "--port", String(port)], folder: folder, health: url)
        let lines = first.out.split(separator: "\n").map(String.init)
        let token = try #require(lines.first { $0.hasPrefix("ry_") }, "\(first)")
        #expect(first.out.contains("first admin token (shown once"), "\(first.out)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/state/admin.token"), "off loopback no local admin token is written")

        // Restarted without --init-admin: the token still works; with it again: refused, nothing changed.
        let again = try Self.serve(["--host", "0.0.0.0", "--insecure-http", "--init-admin", "--port", String(port)], folder: folder)
        #expect(again.status == 1 && again.err.contains("empty store only"), "\(again)")
        // A port of its own: the first one, free again, may meanwhile be another test's.
        var answer = ""
        let restartPort = try FreePort.next(), restartURL = "http://127.0.0.1:\(restartPort)"
        let restarted = try Self.serve(["--host", "0.0.0.0", "--insecure-http", "--port", String(restartPort)], folder: folder, health: restartURL) {
            answer = try Self.run("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(token)", restartURL + "/api/v1/whoami"]).out
        }
        #expect(restarted.status == nil, "it ran until stopped: \(restarted)")
        #expect(answer.contains(#""name" : "admin""#) && answer.contains(#""role" : "admin""#), "\(answer)")
    }

    @Test func anAdminTokenFileMustBePrivate() throws {
        let folder = try Self.folder("serve-token-file")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/admin-secret", secret = "ry_from-a-secrets-manager-0123456789abcdefghij"
        try secret.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        let port = try FreePort.next(), url = "http://127.0.0.1:\(port)"
        let open = try Self.serve(["--admin-token-file", file, "--port", String(port)], folder: folder)
        #expect(open.status == 1 && open.err.contains("can be read by others"), "\(open)")
        chmod(file, 0o600)
        var answer = ""
        _ = try Self.serve(["--admin-token-file", file, "--port", String(port)], folder: folder, health: url) {
            answer = try Self.run("/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(secret)", url + "/api/v1/tokens"]).out
        }
        #expect(answer.contains(#""name" : "admin""#) && answer.contains(#""name" : "local-admin""#), "\(answer)")
    }

    @Test func tlsServesTheAPIOverHTTPS() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            print("skipped: openssl is not installed, so no certificate can be made for the TLS test")
            return
        }
        let folder = try Self.folder("serve-tls")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let made = try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                      "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem", "-days", "1",
                                                      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0)
        let port = try FreePort.next(), url = "https://127.0.0.1:\(port)"
        var plain: Int32 = 0, whoami = ""
        let outcome = try Self.serve(["--tls-cert", folder + "/cert.pem", "--tls-key", folder + "/key.pem", "--port", String(port)], folder: folder,
                                     health: url, curl: ["--cacert", folder + "/cert.pem"]) {
            let token = try SecretFile.read(folder + "/state/admin.token")
            whoami = try Self.run("/usr/bin/curl", ["-s", "--cacert", folder + "/cert.pem", "-H", "Authorization: Bearer \(token)", url + "/api/v1/whoami"]).out
            plain = try Self.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/api/v1/health"]).status
        }
        #expect(outcome.out.contains("railyard serving on https://127.0.0.1:\(port)"), "\(outcome)")
        #expect(whoami.contains(#""name" : "local-admin""#), "the API answers over verified TLS: \(whoami)")
        #expect(plain != 0, "plain HTTP to the TLS port gets no answer")
    }
}
