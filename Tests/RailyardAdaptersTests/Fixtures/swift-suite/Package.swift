// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "Fee", targets: [.target(name: "Fee"), .testTarget(name: "FeeTests", dependencies: ["Fee"])])
