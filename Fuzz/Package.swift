// swift-tools-version:6.0
// libFuzzer targets: `make fuzz` builds them with -sanitize=fuzzer,address and runs each.
import PackageDescription

let flags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "PortalFuzz",
    dependencies: [.package(name: "portal", path: "..")],
    targets: [.target(name: "CFuzzDriver")] + ["FuzzFrontMatter", "FuzzYAML", "FuzzSlug", "FuzzMarkdown"].map { name in
        .executableTarget(name: name, dependencies: ["CFuzzDriver", .product(name: "PortalKit", package: "portal")], swiftSettings: flags)
    }
)
