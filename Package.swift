// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "promptreg",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PromptRegistry", targets: ["PromptRegistry"]),
        .library(name: "PromptRegistryHTTP", targets: ["PromptRegistryHTTP"]),
        .executable(name: "promptreg", targets: ["promptreg"]),
        .executable(name: "promptreg-server", targets: ["promptreg-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // libgit2 from the system (Debian: libgit2-dev) plus a shim header for its variadic options call.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev", "pkg-config"])]
        ),
        // Defers libgit2's parse of the system CA bundle from git_libgit2_init to the first https://
        // operation (an interposed mbedtls_x509_crt_parse_file; README "HTTPS remotes and certificates").
        .target(name: "CDeferredCertificates"),
        // The only module that touches libgit2: owned pointers, errors, objects, compare-and-swap refs.
        .target(
            name: "GitStore",
            dependencies: ["CLibGit2", "CDeferredCertificates", .product(name: "Crypto", package: "swift-crypto")]),
        // The library agents link: bundles, digests, versions, channels, resolve, verify.
        .target(
            name: "PromptRegistry",
            dependencies: [
                "GitStore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The command line: commands, options, output, exit codes.
        .target(
            name: "PromptRegCLI",
            dependencies: [
                "PromptRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Following a `promptreg serve` instance over HTTP (its watch stream), for agents that link
        // it. Kept apart so the library and the hot CLI do not load an HTTP stack at start-up.
        .target(name: "PromptRegistryHTTP", dependencies: ["PromptRegistry"]),
        // The `promptreg` executable: the entry point only.
        .executableTarget(name: "promptreg", dependencies: ["PromptRegCLI"]),
        // The HTTP read API and relay (Hummingbird): routes, watch stream, problem details, metrics.
        .target(
            name: "PromptRegServer",
            dependencies: [
                "PromptRegistry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // `promptreg-server`: the helper `promptreg serve` and `promptreg follow --server` run, as
        // git runs its helpers, so the server never slows the hot CLI's start-up.
        .executableTarget(
            name: "promptreg-server",
            dependencies: [
                "PromptRegServer", "PromptRegistryHTTP", "PromptRegCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PromptRegServerMain"
        ),
        // The benchmark suite (`scripts/bench.sh`).
        .executableTarget(
            name: "promptreg-bench",
            dependencies: ["PromptRegistry", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/PromptRegBench"
        ),
        // Helpers shared by the test targets: temporary registries, fixtures, running the CLI.
        .target(
            name: "TestSupport",
            dependencies: ["PromptRegistry", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"
        ),
        // GitStore against real repositories in temporary directories.
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore"]),
        // The library in process: loading, digests, versions, channels, resolve, verify, hostile input.
        .testTarget(name: "PromptRegistryTests", dependencies: ["PromptRegistry", "PromptRegistryHTTP", "GitStore", "TestSupport"]),
        // The command line in process: argument parsing, validation, exit-code mapping, error rendering.
        .testTarget(name: "PromptRegCLITests", dependencies: ["PromptRegCLI", "PromptRegistry", "TestSupport"]),
        // The built executables as real processes: end to end, races, crashes, the benchmark.
        .testTarget(
            name: "PromptRegIntegrationTests",
            dependencies: ["PromptRegistry", "TestSupport", "promptreg", "promptreg-bench", "promptreg-server"]
        ),
        // `promptreg serve` and followers as real processes against real HTTP clients.
        .testTarget(
            name: "PromptRegServerTests",
            dependencies: ["PromptRegistry", "TestSupport", "promptreg", "promptreg-server"]
        ),
    ]
)
