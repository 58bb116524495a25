// swift-tools-version: 6.1
import PackageDescription

// No unsafe flags: another package can depend on a tagged WNet (`scripts/check-client.sh` proves
// it). The kernels want optimization, so the tests run in release with testing enabled
// (`scripts/test.sh`); plain `swift test` works too, only slower.
let argumentParser = Target.Dependency.product(
  name: "ArgumentParser", package: "swift-argument-parser")

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
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // MARK: - Native shims
    .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
    .systemLibrary(name: "COpenMP", path: "Sources/COpenMP"),
    // OpenCV (Debian libopencv-dev): CStereoClassic is the one target that includes its headers,
    // found through `system/opencv2`, a link to /usr/include/opencv4/opencv2 (a relative header
    // search path needs no unsafe flag). It links only the three modules it calls: `pkg-config
    // opencv4` would link all 55, which cost every `wnet` run 0.3 s and 110 MB at start-up.
    .target(
      name: "CStereoClassic", path: "Sources/CStereoClassic", exclude: ["system"],
      cxxSettings: [.define("NDEBUG"), .headerSearchPath("system")],
      linkerSettings: [
        .linkedLibrary("opencv_calib3d"), .linkedLibrary("opencv_imgproc"),
        .linkedLibrary("opencv_core"),
      ]),
    .target(
      name: "CImageCodecs",
      path: "Sources/CImageCodecs",
      linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("tiff")]),

    // MARK: - Public API
    // Hand-written kernels in C: AVX2 + FMA (and AVX-512) through function attributes, chosen at
    // run time; StereoDepth calls the per-pixel ones, StereoTensor the narrow convolution.
    .target(name: "CStereoKernels", path: "Sources/CStereoKernels"),
    .target(name: "StereoTensor", dependencies: ["CDNNL", "COpenMP", "CStereoKernels"]),
    .target(name: "StereoNN", dependencies: ["StereoTensor"]),
    .target(name: "StereoData", dependencies: ["StereoTensor", "CImageCodecs"]),
    .target(
      name: "StereoDepth",
      dependencies: ["StereoTensor", "StereoNN", "StereoData", "StereoClassic", "CStereoKernels"],
      resources: [
        .copy("Resources/wnet-realtime.safetensors"), .copy("Resources/wnet-matching.safetensors"),
      ]),
    .target(
      name: "StereoClassic",
      dependencies: ["StereoTensor", "StereoData", "CStereoClassic", "CStereoKernels"]),

    // MARK: - Tools
    // The benchmark harness behind `wnet bench`: not part of the engine, not a product.
    .target(name: "WNetBenchmarks", dependencies: ["StereoTensor", "StereoData", "StereoDepth"]),
    .executableTarget(
      name: "wnet",
      dependencies: [
        "StereoTensor", "StereoData", "StereoDepth", "StereoClassic", "WNetBenchmarks",
        argumentParser,
      ]),
    .target(name: "_StereoTestSupport", dependencies: ["StereoTensor"]),

    // MARK: - Tests
    .testTarget(name: "StereoTensorTests", dependencies: ["StereoTensor", "_StereoTestSupport"]),
    .testTarget(
      name: "StereoNNTests", dependencies: ["StereoTensor", "StereoNN", "_StereoTestSupport"]),
    .testTarget(
      name: "StereoDataTests", dependencies: ["StereoTensor", "StereoData", "_StereoTestSupport"]),
    .testTarget(
      name: "StereoDepthTests",
      dependencies: [
        "StereoTensor", "StereoNN", "StereoData", "StereoClassic", "StereoDepth",
        "_StereoTestSupport",
      ]),
    .testTarget(
      name: "StereoClassicTests",
      dependencies: ["StereoTensor", "StereoData", "StereoClassic", "_StereoTestSupport"]),
    .testTarget(
      name: "WNetBenchmarksTests",
      dependencies: ["StereoTensor", "StereoData", "StereoDepth", "WNetBenchmarks"]),
    .testTarget(
      name: "WNetCLITests",
      dependencies: [
        "wnet", "StereoTensor", "StereoNN", "StereoData", "StereoDepth", "_StereoTestSupport",
        argumentParser,
      ]),
  ],
  cxxLanguageStandard: .cxx17
)
