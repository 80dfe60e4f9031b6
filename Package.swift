// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "promptreg",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PromptRegistry", targets: ["PromptRegistry"]),
        .executable(name: "promptreg", targets: ["promptreg"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev", "pkg-config"])]
        ),
        .target(name: "GitStore", dependencies: ["CLibGit2"]),
        .target(
            name: "PromptRegistry",
            dependencies: [
                "GitStore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "PromptRegCLI",
            dependencies: [
                "PromptRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "promptreg", dependencies: ["PromptRegCLI"]),
        .executableTarget(
            name: "promptreg-bench",
            dependencies: ["PromptRegistry", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/PromptRegBench"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["PromptRegistry", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PromptRegistryTests", dependencies: ["PromptRegistry", "GitStore", "TestSupport"]),
        .testTarget(name: "PromptRegCLITests", dependencies: ["PromptRegistry", "TestSupport", "promptreg", "promptreg-bench"]),
    ]
)
