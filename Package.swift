// swift-tools-version:6.1
import PackageDescription

// One settings array for every target (as Hummingbird does): the upcoming features keep
// C types out of public API and make every dependency explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// CustodyIngest reads .xlsx through the Spreadsheet module, whose ZIPFoundation loads
// CoreFoundation and so a second clang module that declares Glibc's `struct stat`; which of
// them owns it then differs from file to file and build to build, and MemberImportVisibility
// refuses `st_size` and friends unless that very module is imported. Ingest keeps the other two.
let ingestSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Custody",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "custody", targets: ["custody"]),
        .library(name: "CustodyCore", targets: ["CustodyCore"]),
        .library(name: "MediaProbe", targets: ["MediaProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .target(
            name: "MediaProbe",
            dependencies: ["CFFmpeg"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustodyCore",
            swiftSettings: swiftSettings
        ),
        .target(
            // .xlsx reading (issue 16): ZIPFoundation and FoundationXML stay behind this module,
            // whose API is Foundation's types only.
            name: "Spreadsheet",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustodyStore",
            dependencies: [
                "CustodyCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustodyIngest",
            dependencies: [
                "CustodyCore",
                "CustodyStore",
                "MediaProbe",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                "Spreadsheet",
            ],
            swiftSettings: ingestSwiftSettings
        ),
        .target(
            name: "CustodyServer",
            dependencies: [
                "CustodyCore",
                "CustodyStore",
                "CustodyIngest",
                "MediaProbe",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustodyCLI",
            dependencies: [
                "CustodyCore",
                "CustodyStore",
                "CustodyServer",
                "CustodyIngest",
                "MediaProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "custody",
            dependencies: ["CustodyCLI"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "custody-seed",
            dependencies: ["CustodyStore"],
            path: "tools/bench/seed",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CustodyTestSupport",
            path: "Tests/CustodyTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustodyCoreTests",
            dependencies: ["CustodyCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustodyStoreTests",
            dependencies: ["CustodyStore", "CustodyCore", "CustodyTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustodyIngestTests",
            dependencies: ["CustodyIngest", "CustodyStore", "CustodyCore", "CustodyTestSupport", "Spreadsheet",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustodyServerTests",
            dependencies: [
                "CustodyServer", "CustodyStore", "CustodyCore", "CustodyIngest", "CustodyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MediaProbeTests",
            dependencies: ["MediaProbe", "CustodyIngest", "CustodyCore", "CustodyTestSupport"],
            exclude: ["Crashers"],  // read from the package folder at run time, not bundled
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CustodyCLITests",
            dependencies: ["CustodyCLI", "CustodyCore", "CustodyIngest", "CustodyStore", "CustodyTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
    ]
)
