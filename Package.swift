// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lvzhi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lvzhi", targets: ["lvzhi"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // The web console (`lvzhi serve`): HTTP server, bcrypt password hashes, form uploads.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
    ],
    targets: [
        // libxml2 through a system-library shim (streaming xmlTextReader only).
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        // SHA-256 from the system's OpenSSL (libcrypto): swift-crypto built all of BoringSSL
        // for this one function, a sixth of a first build.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // ISA-L's deflate for the workbook, opened at run time where it is installed (zlib
        // otherwise): see Sources/CIsal/include/CIsal.h.
        .target(name: "CIsal", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Shared value types: exact decimal points, dates, symbols, diagnostics, messages.
        .target(name: "LvzhiCore", dependencies: ["CLibCrypto"]),
        // Position-aware reading of YAML documents (rule files, job files, mappings).
        .target(name: "LvzhiYAML", dependencies: ["LvzhiCore", "Yams"]),
        // Rule files: YAML → validated, compiled rule set.
        .target(name: "LvzhiRules", dependencies: ["LvzhiCore", "LvzhiYAML", "Yams"]),
        // Ingest: CSV, XML and XLSX readers, validation, dedupe, rejects.
        .target(name: "LvzhiIngest", dependencies: [
            "LvzhiCore", "LvzhiYAML", "CLibXML2", "Yams",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Scoring and grading: points, caps, ledger, ranks, grades.
        .target(name: "LvzhiScoring", dependencies: ["LvzhiCore", "LvzhiRules", "LvzhiIngest"]),
        // Reports: scores.json, scores.csv, rejects.csv, report.html.
        .target(name: "LvzhiReport", dependencies: [
            "LvzhiCore", "LvzhiRules", "LvzhiScoring", "CIsal",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Unattended runs: job files, atomic output folders, run lock, manifest, log, signals.
        .target(name: "LvzhiJob", dependencies: ["LvzhiCore", "LvzhiYAML", "Yams"]),
        // Run history: every scored run, its inputs and per-member results, in SQLite (GRDB).
        .target(name: "LvzhiHistory", dependencies: [
            "LvzhiCore", "LvzhiYAML", "LvzhiRules", "LvzhiScoring", "LvzhiReport", "Yams",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // The use cases a person performs (run a scoring, validate, publish, check a rule file,
        // history queries), shared by the command line and the web console, with one typed failure.
        .target(name: "LvzhiApp", dependencies: [
            "LvzhiCore", "LvzhiYAML", "LvzhiRules", "LvzhiIngest", "LvzhiScoring", "LvzhiReport", "LvzhiJob", "LvzhiHistory",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The web console: server-rendered pages over LvzhiApp, accounts, sessions, CSRF, audit.
        .target(name: "LvzhiServe", dependencies: [
            "LvzhiCore", "LvzhiRules", "LvzhiIngest", "LvzhiReport", "LvzhiJob", "LvzhiHistory", "LvzhiApp",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The thin command-line layer.
        .executableTarget(
            name: "lvzhi",
            dependencies: [
                "LvzhiCore", "LvzhiRules", "LvzhiIngest", "LvzhiScoring", "LvzhiReport", "LvzhiJob", "LvzhiHistory",
                "LvzhiApp", "LvzhiServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LvzhiTests",
            dependencies: ["LvzhiCore", "LvzhiRules", "LvzhiIngest", "LvzhiScoring", "LvzhiReport", "LvzhiJob", "LvzhiHistory", "LvzhiApp", "Yams", "CIsal",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LvzhiServeTests",
            dependencies: ["LvzhiCore", "LvzhiApp", "LvzhiServe", "LvzhiHistory",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "LvzhiEndToEndTests",
            dependencies: ["LvzhiCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
