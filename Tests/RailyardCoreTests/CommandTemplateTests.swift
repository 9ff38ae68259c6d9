import Testing

@testable import RailyardCore

/// Commands are split once, like a shell would split words, and never run through a shell.
@Suite("Command template")
struct CommandTemplateTests {
    func split(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String]? {
        do {
            return try CommandTemplate(parsing: text).arguments
        } catch {
            Issue.record("'\(text)' did not parse: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func parseError(_ text: String) -> CommandTemplate.ParseError? {
        do {
            _ = try CommandTemplate(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Splitting

    @Test("words are split on spaces, tabs and newlines; runs of blanks count once")
    func plainWords() {
        #expect(split("./core --port {port}") == ["./core", "--port", "{port}"])
        #expect(split("  ./core \t --port\t{port}  \n --verbose ") == ["./core", "--port", "{port}", "--verbose"])
        #expect(split("one") == ["one"])
    }

    @Test("double quotes keep blanks and single quotes inside one argument")
    func doubleQuotes() {
        #expect(split(#"run "hello  world" x"#) == ["run", "hello  world", "x"])
        #expect(split(#"run "it's""#) == ["run", "it's"])
        #expect(split(#"--name="core app" next"#) == ["--name=core app", "next"])
        #expect(split(#"a"b"c"#) == ["abc"])
    }

    @Test("single quotes keep everything literally, backslashes included")
    func singleQuotes() {
        #expect(split(#"run 'a "b" c'"#) == ["run", #"a "b" c"#])
        #expect(split(#"run 'a\b' 'c\'"#) == ["run", #"a\b"#, #"c\"#])
    }

    @Test("empty quotes make an empty argument")
    func emptyQuotedArgument() {
        #expect(split(#"run "" x ''"#) == ["run", "", "x", ""])
    }

    @Test("a backslash escapes the next character outside quotes and inside double quotes")
    func escapes() {
        #expect(split(#"run a\ b"#) == ["run", "a b"])
        #expect(split(#"run \"x\""#) == ["run", #""x""#])
        #expect(split(#"run \'x"#) == ["run", "'x"])
        #expect(split(#"run \\"#) == ["run", #"\"#])
        #expect(split(#"run "a \"b\" \\ c""#) == ["run", #"a "b" \ c"#])
        #expect(split(#"run \ "#) == ["run", " "])
    }

    @Test("shell syntax is only text: no pipes, redirections, variables or command separators")
    func noShellInterpretation() {
        #expect(split("run a;b | c > d $HOME `id` $(whoami) && e *") ==
                ["run", "a;b", "|", "c", ">", "d", "$HOME", "`id`", "$(whoami)", "&&", "e", "*"])
    }

    // MARK: - Errors

    @Test("an unterminated quote or a trailing backslash is refused",
          arguments: [#"run "abc"#, "run 'abc", #"run abc\"#, #"run "abc\""#, #"""#])
    func unterminated(text: String) {
        #expect(parseError(text) == .unterminatedQuote)
    }

    @Test("an empty command or an empty program name is refused", arguments: ["", "   ", "\t\n", #""" x"#, "'' --port {port}"])
    func empty(text: String) {
        #expect(parseError(text) == .empty)
    }

    @Test("only {version} and {port} are placeholders")
    func unknownPlaceholders() {
        #expect(parseError("run {foo}") == .unknownPlaceholder("foo"))
        #expect(parseError("run --port={port} {Version}") == .unknownPlaceholder("Version"))
        #expect(parseError("run {}") == .unknownPlaceholder(""))
        #expect(parseError("run {port}-{host}") == .unknownPlaceholder("host"))
        #expect(parseError("run {version}{port}") == nil)
        // A brace that never closes is no placeholder.
        #expect(parseError("run {port") == nil)
    }

    @Test("init(arguments:) applies the same rules without splitting")
    func fromArguments() throws {
        #expect(try CommandTemplate(arguments: ["./fx", "a b", "{port}"]).arguments == ["./fx", "a b", "{port}"])
        #expect(throws: CommandTemplate.ParseError.empty) { try CommandTemplate(arguments: []) }
        #expect(throws: CommandTemplate.ParseError.empty) { try CommandTemplate(arguments: ["", "{port}"]) }
        #expect(throws: CommandTemplate.ParseError.unknownPlaceholder("host")) { try CommandTemplate(arguments: ["x", "{host}"]) }
    }

    @Test("errors read well")
    func errorDescriptions() {
        #expect(CommandTemplate.ParseError.empty.description == "command is empty")
        #expect(CommandTemplate.ParseError.unterminatedQuote.description == "command has an unterminated quote")
        #expect(CommandTemplate.ParseError.unknownPlaceholder("foo").description
                == "unknown placeholder {foo} in command (known: {version}, {port})")
    }

    // MARK: - Rendering

    @Test("render substitutes {version} and {port} inside arguments, every occurrence")
    func render() throws {
        let template = try CommandTemplate(parsing: #"./svc --port={port} --version {version} "--tag={version}-{port}" {port}{port}"#)
        #expect(template.render(version: "v1.2", port: 8080)
                == ["./svc", "--port=8080", "--version", "v1.2", "--tag=v1.2-8080", "80808080"])
        // The template itself is untouched, so it renders again for the next instance.
        #expect(template.render(version: "v1.3", port: 8081)
                == ["./svc", "--port=8081", "--version", "v1.3", "--tag=v1.3-8081", "80818081"])
        #expect(template.arguments == ["./svc", "--port={port}", "--version", "{version}", "--tag={version}-{port}", "{port}{port}"])
    }

    @Test("a hostile version stays one argument of plain text, and VersionName refuses it")
    func hostileVersion() throws {
        let template = try CommandTemplate(parsing: "./svc --version {version} --port {port}")
        let hostile = "v1;rm -rf /"
        let argv = template.render(version: hostile, port: 9000)
        #expect(argv == ["./svc", "--version", "v1;rm -rf /", "--port", "9000"])
        #expect(argv.count == template.arguments.count)
        #expect(template.render(version: "$(reboot) `id` && x", port: 1)[2] == "$(reboot) `id` && x")
        #expect(!VersionName.isValid(hostile))
    }

    // MARK: - VersionName

    @Test("valid version names",
          arguments: ["v1", "1", "1.0.0", "2026.48", "v1.2.3-rc.1+build.5", "A_b", "release-2026-48", String(repeating: "a", count: 64)])
    func validVersions(version: String) {
        #expect(VersionName.isValid(version))
    }

    @Test("invalid version names",
          arguments: ["", String(repeating: "a", count: 65), "-v1", ".v1", "_v1", "+v1", "v1;rm -rf /", "v 1", "v1/2", "../v1",
                      "v1$(x)", "v1`x`", "{port}", "v1\n", "é1", "v1é", "\u{FF11}", "v1|x", "v1&", "v1>x", "v1'", "v1\""])
    func invalidVersions(version: String) {
        #expect(!VersionName.isValid(version))
    }

    @Test("the version rule is the one users read")
    func versionRule() {
        #expect(VersionName.rule == "1-64 characters: letters, digits, '.', '_', '+', '-', starting with a letter or digit")
    }
}
