import RailyardPorts

public enum ScriptRunnerFactory {
    public static func make() -> any ScriptRunner { ShellScriptRunner() }
}
