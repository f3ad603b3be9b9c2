// swift-tools-version:6.0
// A service that uses FaceDB the way an outside package does: by URL and version, through the
// `FaceDB` and `FaceDBPhotos` products only.
//
// FACEDB_PACKAGE_URL overrides where FaceDB is fetched from: `Tools/test` points it at a tagged clone
// of the checkout (file:///…/facedb), so CI proves that the versioned dependency resolves and builds.
//
// `Tools/example` also writes the README's Swift blocks into Sources/ReadmeSnippets (Tools/readme-snippets),
// so that they are compiled against FaceDB the same way; the target exists only then.
import Foundation
import PackageDescription

let faceDB = Context.environment["FACEDB_PACKAGE_URL"] ?? "https://github.com/facedb/facedb.git"
let products: [Target.Dependency] = [
    .product(name: "FaceDB", package: "facedb"),
    .product(name: "FaceDBPhotos", package: "facedb"),
]
var targets: [Target] = [.executableTarget(name: "IdentityService", dependencies: products)]
if FileManager.default.fileExists(atPath: Context.packageDirectory + "/Sources/ReadmeSnippets") {
    targets.append(.target(name: "ReadmeSnippets", dependencies: products))
}

let package = Package(
    name: "IdentityService",
    dependencies: [
        .package(url: faceDB, from: "0.1.0")
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
