// swift-tools-version:6.0
import Foundation
import PackageDescription

/// mimalloc (Debian's libmimalloc-dev) in place of glibc's malloc in the `portal`
/// program: a build allocates and frees millions of small strings and dictionaries on
/// both cores. `PORTAL_SYSTEM_MALLOC=1` keeps glibc's (the sanitizer builds bring their own).
let allocator: [LinkerSetting] = ProcessInfo.processInfo.environment["PORTAL_SYSTEM_MALLOC"] == nil ? [.linkedLibrary("mimalloc")] : []

let package = Package(
    name: "portal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "portal", targets: ["portal"]),
        // For the fuzz targets in Fuzz/ (a package of its own, built with -sanitize=fuzzer).
        .library(name: "PortalKit", targets: ["PortalCore", "PortalMarkdown", "PortalContent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .target(name: "CPortalSystem"),
        .target(name: "PortalCore", dependencies: ["CPortalSystem"]),
        .target(name: "PortalMarkdown", dependencies: ["CCmarkGFM", "CPortalSystem", "PortalCore"]),
        .target(name: "PortalContent", dependencies: ["CPortalSystem", "PortalCore", "PortalMarkdown", "Yams"]),
        .target(name: "PortalRender", dependencies: [
            "CPortalSystem", "PortalCore", "PortalContent",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .target(name: "PortalBuild", dependencies: ["CPortalSystem", "PortalCore", "PortalContent", "PortalRender"]),
        .target(name: "PortalServe", dependencies: [
            "PortalBuild", "PortalContent", "PortalCore", "PortalRender",
        ]),
        .executableTarget(name: "portal", dependencies: [
            "PortalBuild", "PortalCore", "PortalRender", "PortalServe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: allocator),
        // bench/bench.py's parse-and-render floor: cmark-gfm alone over the corpus' Markdown.
        .executableTarget(name: "cmark-floor", dependencies: ["CCmarkGFM", "CPortalSystem", "PortalContent", "PortalCore", "PortalMarkdown"], path: "bench/cmark-floor"),
        .testTarget(name: "PortalTests", dependencies: ["PortalCore", "PortalMarkdown", "PortalContent", "PortalRender", "PortalBuild", "PortalServe", "Yams",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
    ]
)
