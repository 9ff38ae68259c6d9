import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RailyardAPI

/// Runs a client call, turning failures into the documented exit codes.
func clientCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as RailyardClient.Failure {
        var standardError = StandardError()
        print("error: \(failure.message)", to: &standardError)
        if failure.status == 401, !failure.message.hasPrefix("token file") {
            print("hint: a server on this machine writes its admin token to STATE_DIR/admin.token; elsewhere ask an admin for a token "
                  + "(`railyard token create`) and set RAILYARD_TOKEN", to: &standardError)
        }
        throw failure.isUnreachable ? ExitStatus.unreachable : failure.isNotAllowed ? ExitStatus.notAllowed : ExitStatus.refused
    }
}

/// `print` rather than FileHandle.write, which traps when a reader such as `head` closes the pipe early.
func printJSON(_ data: Data) {
    print(String(decoding: data, as: UTF8.self))
}

func printJSON(_ value: some Encodable) throws { printJSON(try API.encoder.encode(value)) }

/// stderr for `print(_:to:)`, which does not trap on a closed pipe.
struct StandardError: TextOutputStream {
    mutating func write(_ text: String) { _ = text.withCString { Glibc.write(2, $0, strlen($0)) } }
}
