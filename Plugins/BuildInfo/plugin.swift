import Foundation
import PackagePlugin

/// Records the commit the `railyard` executable is built from (`railyard version`). A prebuild
/// command, so it runs on every build; the file is rewritten only when the commit changes, so an
/// unchanged tree does not recompile anything. Outside a git checkout the commit reads "unknown".
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let script = #"""
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -c1)" ]; then
              commit="$commit-modified"
            fi
            printf 'enum BuildInfo {\n    static let commit = "%s"\n}\n' "$commit" > "$2.new"
            if cmp -s "$2.new" "$2"; then rm -f "$2.new"; else mv "$2.new" "$2"; fi
            """#
        return [.prebuildCommand(displayName: "Recording the commit railyard is built from",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "build-info", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
