import ArgumentParser
import StereoClassic
import StereoData
import StereoDepth

/// Which method estimates disparity.
enum DisparityMethod: String, ExpressibleByArgument, CaseIterable {
  /// The W-net.
  case wnet
  /// OpenCV's semi-global block matcher.
  case sgbm
}

extension SemiGlobalMatcher.Mode: ExpressibleByArgument {}

/// `--method` and OpenCV StereoSGBM's parameters, with OpenCV's defaults.
struct ClassicMatcherOptions: ParsableArguments {
  @Option(help: "The disparity method: wnet (the network) or sgbm (OpenCV's StereoSGBM).")
  var method: DisparityMethod = .wnet

  @Option(help: "SGBM: the odd side of the matched block (OpenCV's blockSize).")
  var blockSize = 3

  @Option(help: "SGBM: the smallest disparity searched (minDisparity).")
  var minDisparity = 0

  @Option(help: "SGBM: the penalty for disparity changes of 1 (default 8·channels·blockSize²).")
  var p1: Int?

  @Option(help: "SGBM: the penalty for larger changes (default 32·channels·blockSize²).")
  var p2: Int?

  @Option(help: "SGBM: the uniqueness margin in percent; 0 disables the test (uniquenessRatio).")
  var uniquenessRatio = 0

  @Option(
    help: """
      SGBM: the largest left-right difference in pixels (disp12MaxDiff; 0 acts as 1, negative \
      disables).
      """)
  var disp12MaxDiff = 0

  @Option(
    help: "SGBM: the largest speckle region removed, in pixels; 0 disables (speckleWindowSize).")
  var speckleWindowSize = 0

  @Option(help: "SGBM: the largest disparity variation within a speckle, in pixels (speckleRange).")
  var speckleRange = 0

  @Option(help: "SGBM: the prefilter clip (preFilterCap; 0 acts as 15).")
  var preFilterCap = 0

  @Option(help: "SGBM: the aggregation mode: sgbm (5 paths), hh (8 paths), 3way or hh4.")
  var sgbmMode: SemiGlobalMatcher.Mode = .sgbm

  @Flag(
    help: """
      SGBM: fill invalid pixels as the KITTI devkit's background interpolation does (default: \
      leave them invalid: PFM inf, PNG 0, black).
      """)
  var fill = false

  /// The first SGBM option given a value other than its default, or `nil`.
  var sgbmOption: String? {
    if fill { return "--fill" }
    if blockSize != 3 { return "--block-size" }
    if minDisparity != 0 { return "--min-disparity" }
    if p1 != nil { return "--p1" }
    if p2 != nil { return "--p2" }
    if uniquenessRatio != 0 { return "--uniqueness-ratio" }
    if disp12MaxDiff != 0 { return "--disp12-max-diff" }
    if speckleWindowSize != 0 { return "--speckle-window-size" }
    if speckleRange != 0 { return "--speckle-range" }
    if preFilterCap != 0 { return "--pre-filter-cap" }
    if sgbmMode != .sgbm { return "--sgbm-mode" }
    return nil
  }

  func validate() throws {
    if method == .wnet, let option = sgbmOption {
      throw ValidationError("'\(option)' applies to '--method sgbm'.")
    }
    do {
      try matcher(maximumDisparity: 64).validate()
    } catch {
      throw ValidationError("SGBM: \(error.description)")
    }
  }

  /// With `--method sgbm`: whether OpenCV can search up to `--max-disparity` (its fixed-point
  /// output holds disparities up to ``SemiGlobalMatcher/largestDisparity``).
  func validate(maximumDisparity: Float?) throws {
    guard method == .sgbm, let maximumDisparity else { return }
    do {
      try matcher(maximumDisparity: maximumDisparity).validate()
    } catch {
      throw ValidationError("'--max-disparity \(maximumDisparity)' with SGBM: \(error.description)")
    }
  }

  /// The matcher for disparities up to `maximumDisparity` (in input pixels).
  func matcher(maximumDisparity: Float) -> SemiGlobalMatcher {
    var matcher = SemiGlobalMatcher(
      minimumDisparity: minDisparity, blockSize: blockSize, smallPenalty: p1, largePenalty: p2,
      maximumLeftRightDifference: disp12MaxDiff, preFilterCap: preFilterCap,
      uniquenessRatio: uniquenessRatio, speckleWindowSize: speckleWindowSize,
      speckleRange: speckleRange, mode: sgbmMode)
    matcher.setMaximumDisparity(maximumDisparity)
    return matcher
  }

  /// The default search bound without `--max-disparity`: a fifth of the width.
  static func defaultMaximumDisparity(width: Int) -> Float { Float(width) / 5 }

  /// The left view's disparity: `[H, W, 1]`, `.infinity` where SGBM found none (or filled with
  /// `--fill`).
  func disparity(left: Image, right: Image, maximumDisparity: Float?) throws -> Image {
    let bound = maximumDisparity ?? Self.defaultMaximumDisparity(width: left.width)
    let disparity = try matcher(maximumDisparity: bound).disparity(left: left, right: right)
    return fill ? BackgroundInterpolation.filling(disparity) : disparity
  }

  /// A description for tables and logs.
  var methodDescription: String {
    "OpenCV StereoSGBM (mode \(sgbmMode.rawValue), block \(blockSize), uniqueness "
      + "\(uniquenessRatio), speckle \(speckleWindowSize)/\(speckleRange)\(fill ? ", filled" : ""))"
  }
}
