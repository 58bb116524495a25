// swift-tools-version: 6.1
import PackageDescription

// Kernel-heavy targets are optimized even in debug builds: plain-Swift loops run 10-100x slower
// at -Onone, which would make the test suite and the reference oracle impractically slow.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "WNet",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "wnet", targets: ["wnet"]),
    .library(name: "StereoTensor", targets: ["StereoTensor"]),
    .library(name: "StereoNN", targets: ["StereoNN"]),
    .library(name: "StereoData", targets: ["StereoData"]),
    .library(name: "StereoDepth", targets: ["StereoDepth"]),
    .library(name: "StereoClassic", targets: ["StereoClassic"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // MARK: - Native shims
    .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
    .systemLibrary(name: "COpenMP", path: "Sources/COpenMP"),
    // OpenCV (Debian libopencv-dev): COpenCV's empty shim only carries `pkg-config opencv4`'s
    // include path to CStereoClassic, the one target that includes OpenCV headers.
    .systemLibrary(name: "COpenCV", path: "Sources/COpenCV", pkgConfig: "opencv4"),
    .target(
      name: "CStereoClassic", dependencies: ["COpenCV"], path: "Sources/CStereoClassic",
      cxxSettings: [.define("NDEBUG")],
      linkerSettings: [
        .linkedLibrary("opencv_calib3d"), .linkedLibrary("opencv_imgproc"),
        .linkedLibrary("opencv_core"),
      ]),
    .target(
      name: "CImageCodecs",
      path: "Sources/CImageCodecs",
      cSettings: [.unsafeFlags(["-O2"])],
      linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),

    // MARK: - Public API
    .target(name: "StereoTensor", dependencies: ["CDNNL", "COpenMP"], swiftSettings: optimizedInDebug),
    .target(name: "StereoNN", dependencies: ["StereoTensor"], swiftSettings: optimizedInDebug),
    .target(
      name: "StereoData", dependencies: ["StereoTensor", "CImageCodecs"],
      swiftSettings: optimizedInDebug),
    .target(
      name: "StereoDepth", dependencies: ["StereoNN", "StereoData"],
      resources: [.copy("Resources/wnet-realtime.safetensors")],
      swiftSettings: optimizedInDebug),
    .target(name: "StereoClassic", dependencies: ["StereoData", "CStereoClassic"]),

    // MARK: - Tools
    .executableTarget(
      name: "wnet",
      dependencies: [
        "StereoDepth",
        "StereoData",
        "StereoClassic",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .target(
      name: "_StereoTestSupport", dependencies: ["StereoTensor", "StereoNN"],
      swiftSettings: optimizedInDebug),

    // MARK: - Tests
    .testTarget(name: "StereoTensorTests", dependencies: ["StereoTensor", "_StereoTestSupport"]),
    .testTarget(name: "StereoNNTests", dependencies: ["StereoNN", "_StereoTestSupport"]),
    .testTarget(name: "StereoDataTests", dependencies: ["StereoData", "_StereoTestSupport"]),
    .testTarget(name: "StereoDepthTests", dependencies: ["StereoDepth", "_StereoTestSupport"]),
    .testTarget(
      name: "StereoClassicTests", dependencies: ["StereoClassic", "StereoData", "_StereoTestSupport"]),
    .testTarget(name: "WNetCLITests", dependencies: ["wnet"]),
  ],
  cxxLanguageStandard: .cxx17
)
