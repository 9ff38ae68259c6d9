import Foundation
import RailyardPorts

extension RailyardPaths {
    /// Creates the state folder and its logs and routers folders.
    public func create() throws {
        for folder in [root, logs, routers] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }
}
