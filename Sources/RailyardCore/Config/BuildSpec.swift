/// How a service's version is built into an artifact (`build:` of a service in railyard.yml).
public struct BuildSpec: Sendable, Equatable {
    /// Arguments; `{version}` is the version (the ref) to build.
    public var command: CommandTemplate
    /// The file or folder the build leaves, relative to railyard.yml; `{version}` allowed.
    public var artifact: String
    public var timeout: Duration

    public init(command: CommandTemplate, artifact: String, timeout: Duration = .seconds(600)) {
        self.command = command
        self.artifact = artifact
        self.timeout = timeout
    }

    public func artifactPath(version: String) -> String { artifact.replacingOccurrences(of: "{version}", with: version) }
}
