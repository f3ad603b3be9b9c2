// swift-tools-version:6.0
// A service that uses FaceDB the way an outside package does: by URL and version, through the
// `FaceDB` and `FaceDBPhotos` products only.
//
// FACEDB_PACKAGE_URL overrides where FaceDB is fetched from: `Tools/test` points it at a tagged clone
// of the checkout (file:///…/facedb), so CI proves that the versioned dependency resolves and builds.
import PackageDescription

let faceDB = Context.environment["FACEDB_PACKAGE_URL"] ?? "https://github.com/facedb/facedb.git"

let package = Package(
    name: "IdentityService",
    dependencies: [
        .package(url: faceDB, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "IdentityService",
            dependencies: [
                .product(name: "FaceDB", package: "facedb"),
                .product(name: "FaceDBPhotos", package: "facedb"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
