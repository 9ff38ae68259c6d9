import ArgumentParser
import Foundation
import RailyardAPI
import RailyardCore

extension Role: ExpressibleByArgument {}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens: create one per person or machine, list them, revoke them (needs an admin token).",
        discussion: """
            Roles, and what each may do:
              viewer          read everything (status, rollouts, analyses, history)
              tester          read everything
              developer       read; deploy when no wave reaches production
              release-owner   deploy (to production too), abort, bring the fleet up or down
              approver        approve a rollout waiting for approval, abort
              admin           manage tokens, abort, bring the fleet up or down

            A production change needs four eyes: whoever deployed it cannot approve it, whatever tokens \
            they hold. The server keeps only a keyed digest of each token; the token is shown once.
            """,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a token and print it, once.",
        discussion: "Example: railyard token create --name alice --role approver --expires 90d")
    @Option(help: "Who the token names: the name the audit log records (letters, digits, '.', '_', '-', '@').") var name: String
    @Option(help: "One of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: Role
    @Option(help: "Lifetime, e.g. 90d, 12h, 30m; without it the token lasts until revoked.") var expires: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let expires, DurationText.parse(expires).map({ $0 > .zero }) != true {
            throw ValidationError("--expires '\(expires)' is not a duration such as 90d, 12h or 30m")
        }
    }

    func run() async throws {
        let created = try await clientCall { try await options.client.createToken(name: name, role: role, expiresIn: expires) }
        if options.output == .json { return try printJSON(created) }
        let expiry = created.expiresAt.map { "expires \($0.formatted(.iso8601))" } ?? "does not expire"
        print("token \(created.id) for \(created.name) (\(created.role.rawValue)), \(expiry):")
        print(created.token)
        print("It is shown this once. Keep it in RAILYARD_TOKEN, or in a file only its owner can read (chmod 600) named with --token-file.")
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every token, without its secret.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let tokens = try await clientCall { try await options.client.tokens() }
        if options.output == .json { return try printJSON(tokens) }
        let rows = tokens.map { token in
            [token.id, token.name, token.role.rawValue, token.state, token.createdAt.formatted(.iso8601), token.createdBy,
             token.expiresAt?.formatted(.iso8601) ?? "never", token.revokedBy.map { "by \($0)" } ?? ""]
        }
        print(TextTable.render(header: ["ID", "NAME", "ROLE", "STATE", "CREATED", "BY", "EXPIRES", "REVOKED"], rows: rows))
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token at once. Your own token and the last admin token cannot be revoked.")
    @Argument(help: "The token's id (tok_…), as `railyard token list` shows it.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let token = try await clientCall { try await options.client.revokeToken(id) }
        if options.output == .json { return try printJSON(token) }
        print("token \(token.id) of \(token.name) (\(token.role.rawValue)) revoked")
    }
}

struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "The identity and role your token proves.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let me = try await clientCall { try await options.client.whoami() }
        if options.output == .json { return try printJSON(me) }
        print("\(me.name) (\(me.role.rawValue)), token \(me.tokenId)")
    }
}
