// swift-tools-version:6.0
// FaceDB: an embeddable face identity database.
//
// Dependencies point one way:
//   C shims (CRocksDB, CFaiss, CBLAS, CImageCodecs) → FaceDBCore
//     → {FaceDBStorage, FaceDBIndex, FaceDBCalibration, FaceDBImport, FaceDBNeural}
//     → FaceDB (the embedding-level façade) → FaceDBPhotos (photos in, FaceDB + FaceDBNeural) → FaceDBCLI → facedb
// Storage and index never import each other; the FaceDB façade is the only place that joins them.
// Logs (swift-log) and metrics (swift-metrics) come from the façade only; the library bootstraps
// neither system: the `facedb` executable bootstraps logging, applications bootstrap their own.
// Two products for other packages: `FaceDB` (embeddings; no CNN, no image codecs) and `FaceDBPhotos`.
import PackageDescription

/// Debian 12's libfaiss-dev ships only a static libfaiss.a, so everything it needs is linked by name.
let faissLinkage: [LinkerSetting] = [
    .linkedLibrary("faiss"),
    .linkedLibrary("openblas"),
    .linkedLibrary("lapack"),
    .linkedLibrary("gomp"),
    .linkedLibrary("m"),
    .linkedLibrary("stdc++"),
]

/// swift-system's module, for the targets that open files (FaceDBCore's `Files/`, the import readers,
/// the index snapshot, the database's lock file).
let systemPackage: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "FaceDB",
    products: [
        .library(name: "FaceDB", targets: ["FaceDB"]),
        .library(name: "FaceDBPhotos", targets: ["FaceDBPhotos"]),
        .executable(name: "facedb", targets: ["facedb"]),
        .executable(name: "facedb-bench", targets: ["facedb-bench"]),
        .executable(name: "facedb-demo", targets: ["facedb-demo"]),
        .executable(name: "facedb-import-bench", targets: ["facedb-import-bench"]),
        .executable(name: "facedb-embed-bench", targets: ["facedb-embed-bench"]),
        .executable(name: "facedb-detect-bench", targets: ["facedb-detect-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // Logging and metrics: swift-log 1.11 brought `LogHandler.log(event:)`, which the CLI's and the
        // tests' handlers implement. Only the façade records metrics; the application bootstraps the backend.
        .package(url: "https://github.com/apple/swift-log", from: "1.11.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        // File descriptors with typed errors (`FileDescriptor`, `Errno`) instead of raw Glibc calls.
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // MARK: C shims
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),
        // A plain C header over FAISS's C++ API: opaque handles, integer status codes and a
        // thread-local last-error message. No C++ exception crosses into Swift. The C++ behind it is
        // one file per concern, the entry points in *_c.cpp (the map is in Sources/CFaiss/index.hpp).
        // FAISS's headers include <omp.h>, which the toolchain's clang lacks: `openmp/` forwards it to
        // GCC's (a private header search path; the C++ files use no OpenMP pragmas).
        .target(
            name: "CFaiss",
            cxxSettings: [.headerSearchPath("openmp")],
            linkerSettings: faissLinkage
        ),

        // OpenBLAS's CBLAS interface plus its thread-count controls (Debian: libopenblas-dev).
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        // JPEG and PNG decoding through libjpeg-turbo and libpng (Debian: libjpeg62-turbo-dev, libpng-dev).
        // A C target, not a bare system library: the libraries' setjmp/longjmp error handling must stay in C.
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]
        ),

        // MARK: Core value types and errors (no C)
        // swift-crypto: AES-256-GCM for encryption at rest (DataCipher) and SHA-256.
        .target(name: "FaceDBCore", dependencies: [systemPackage, .product(name: "Crypto", package: "swift-crypto")]),

        // MARK: Statistics of matching: ROC, EER, thresholds, FPIR, folds, plots (pure)
        .target(name: "FaceDBCalibration", dependencies: ["FaceDBCore"]),

        // MARK: Streaming readers of embedding files for bulk import (.npy, .fvecs, JSON Lines, CSV)
        .target(name: "FaceDBImport", dependencies: ["FaceDBCore", systemPackage]),

        // MARK: Neural: the CNN engine on cblas_sgemm (Tensor/, Layers/, Convolution/Winograd/), dlib's
        // model readers and the face embedder (an aligned chip in, a descriptor out).
        // Its loops (im2col, Winograd tiles) run ~20× slower unoptimised: `Tools/test` builds the tests
        // in release with -enable-testing rather than giving this target flags of its own, which would
        // stop other packages from depending on FaceDB by version.
        .target(name: "FaceDBNeural", dependencies: ["CBLAS", "FaceDBCore", .product(name: "Crypto", package: "swift-crypto")]),

        // MARK: Storage, index (never import each other)
        .target(name: "FaceDBStorage", dependencies: ["CRocksDB", "FaceDBCore"]),
        .target(name: "FaceDBIndex", dependencies: ["CFaiss", "FaceDBCore", systemPackage]),

        // MARK: Façade, CLI
        // Maintenance messages through swift-log (DatabaseOptions.logger); counters and timers through swift-metrics.
        .target(
            name: "FaceDB",
            dependencies: [
                "FaceDBCore", "FaceDBStorage", "FaceDBIndex", "FaceDBCalibration", "FaceDBImport", systemPackage,
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // MARK: Photos: decoding (JPEG, PNG), detection, landmarks, alignment, quality, the photo
        // pipeline, annotation, and the façade's photo calls (enrol, identify, verify).
        .target(name: "FaceDBPhotos", dependencies: ["CImageCodecs", "FaceDBCore", "FaceDBNeural", "FaceDB"]),
        .target(
            name: "FaceDBCLI",
            dependencies: [
                "FaceDB", "FaceDBPhotos", "FaceDBCalibration", "FaceDBImport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Bootstraps LoggingSystem with the CLI's standard-error handler (standard output is for results).
        .executableTarget(name: "facedb", dependencies: ["FaceDBCLI", .product(name: "Logging", package: "swift-log")]),

        // MARK: Test support, benchmark, demo
        // The brute-force oracle scans every stored vector for every query: fast in the release
        // builds `Tools/test` makes.
        .target(name: "FaceDBTestSupport", dependencies: ["FaceDBCore", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "facedb-bench", dependencies: ["FaceDB", "FaceDBIndex", "FaceDBImport", "FaceDBTestSupport"]),
        .executableTarget(name: "facedb-demo", dependencies: ["FaceDB", "FaceDBPhotos"]),
        .executableTarget(name: "facedb-import-bench", dependencies: ["FaceDB", "FaceDBImport", "FaceDBTestSupport"]),
        .executableTarget(name: "facedb-embed-bench", dependencies: ["FaceDBNeural", "FaceDBPhotos"]),
        .executableTarget(name: "facedb-detect-bench", dependencies: ["FaceDBPhotos"]),
        // The child process of the crash-safety test: writes batches and acknowledges each one.
        .executableTarget(
            name: "facedb-crash-writer",
            dependencies: ["FaceDB", "FaceDBTestSupport"],
            path: "Tests/FaceDBCrashWriter"
        ),

        // MARK: Fuzzing (issue 17): the libFuzzer harnesses, one executable, the harness named by the
        // first argument. `Tools/fuzz` builds it with the sanitizer flags on the command line; a plain
        // build replays inputs (`facedb-fuzz NAME Fuzz/Corpus/NAME`). See Fuzz/Harnesses/Main.swift.
        .executableTarget(
            name: "facedb-fuzz",
            dependencies: ["FaceDBCore", "FaceDBImport", "FaceDBIndex", "FaceDBPhotos", "FaceDBCLI"],
            path: "Fuzz/Harnesses"
        ),

        // MARK: Tests
        .testTarget(name: "FaceDBCoreTests", dependencies: ["FaceDBCore", "FaceDBTestSupport"]),
        .testTarget(name: "FaceDBStorageTests", dependencies: ["FaceDBStorage", "FaceDBTestSupport"]),
        .testTarget(name: "FaceDBIndexTests", dependencies: ["FaceDBIndex", "FaceDBTestSupport"]),
        .testTarget(name: "FaceDBCalibrationTests", dependencies: ["FaceDBCalibration", "FaceDBTestSupport"]),
        .testTarget(name: "FaceDBImportTests", dependencies: ["FaceDBImport", "FaceDBTestSupport"]),
        // Layers against naive references, model readers, the embedder against dlib's descriptors.
        .testTarget(
            name: "FaceDBNeuralTests", dependencies: ["FaceDBNeural", "FaceDBTestSupport"],
            resources: [.copy("Fixtures")]),
        // Decoding, image algorithms, detector, landmarks, chips, quality, annotate.
        .testTarget(
            name: "FaceDBPhotosTests", dependencies: ["FaceDBPhotos", "FaceDBNeural", "FaceDBTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "FaceDBTests",
            dependencies: [
                "FaceDB", "FaceDBStorage", "FaceDBPhotos", "FaceDBImport", "FaceDBTestSupport", "facedb-crash-writer",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]),
        .testTarget(name: "FaceDBCLITests", dependencies: ["FaceDBCLI", "FaceDBTestSupport", "facedb"]),
        // Damaged files, full disks (a tmpfs; needs root) and processes killed at random moments.
        .testTarget(
            name: "FaceDBFaultTests",
            dependencies: [
                "FaceDB", "FaceDBCore", "FaceDBTestSupport", "facedb", "facedb-crash-writer",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
