import Foundation
import StereoClassic
import StereoData
import StereoTensor
import Testing
import _StereoTestSupport

/// `cv2.StereoSGBM_create(...).compute(cv2.imread(left), cv2.imread(right))`, written as raw
/// little-endian int16 to argv[3]; the parameters come as JSON in argv[4].
private let sgbmScript = """
  import cv2, json, sys, numpy as np
  p = json.loads(sys.argv[4])
  left, right = cv2.imread(sys.argv[1]), cv2.imread(sys.argv[2])
  matcher = cv2.StereoSGBM_create(
      minDisparity=p["min"], numDisparities=p["num"], blockSize=p["block"], P1=p["p1"],
      P2=p["p2"], disp12MaxDiff=p["lr"], preFilterCap=p["cap"], uniquenessRatio=p["unique"],
      speckleWindowSize=p["window"], speckleRange=p["range"], mode=p["mode"])
  d = matcher.compute(left, right)
  assert d.dtype == np.int16 and d.shape == left.shape[:2]
  d.astype("<i2").tofile(sys.argv[3])
  """

/// The parameters as the script reads them, with P1/P2 resolved as WNet resolves them.
private func parameterJSON(_ matcher: SemiGlobalMatcher) -> String {
  let (p1, p2) = matcher.penalties(channels: 3)
  let mode = [SemiGlobalMatcher.Mode.sgbm: 0, .hh: 1, .sgbm3Way: 2, .hh4: 3][matcher.mode] ?? -1
  return """
    {"min": \(matcher.minimumDisparity), "num": \(matcher.disparityCount), \
    "block": \(matcher.blockSize), "p1": \(p1), "p2": \(p2), \
    "lr": \(matcher.maximumLeftRightDifference), "cap": \(matcher.preFilterCap), \
    "unique": \(matcher.uniquenessRatio), "window": \(matcher.speckleWindowSize), \
    "range": \(matcher.speckleRange), "mode": \(mode)}
    """
}

/// OpenCV's fixed-point disparities for the PNG pair at `left`, `right`.
private func openCVDisparity(left: URL, right: URL, matcher: SemiGlobalMatcher) throws -> [Int16] {
  let folder = try TemporaryFolder()
  let output = folder.file("disparity.raw")
  _ = try OpenCVPython.runScript(
    sgbmScript, arguments: [left.path, right.path, output.path, parameterJSON(matcher)])
  return OpenCVPython.values(try Data(contentsOf: output), as: Int16.self)
}

/// A synthetic scene (slanted planes, occluding shapes) with disparities 2…40, as 8-bit PNGs.
private func syntheticPair(in folder: TemporaryFolder) throws -> (left: URL, right: URL) {
  var generator = SeededGenerator(seed: 12)
  let scene = SyntheticStereoGenerator(
    configuration: .init(width: 160, height: 96, minimumDisparity: 2, maximumDisparity: 40)
  ).makeScene(using: &generator)
  let pair = scene.render()
  let (left, right) = (folder.file("left.png"), folder.file("right.png"))
  try ImageIO.writePNG(pair.left, to: left)
  try ImageIO.writePNG(pair.right, to: right)
  return (left, right)
}

/// The settings the bit-exactness tests sweep: OpenCV's defaults with a range, and the stricter
/// settings of `benchmarks/sgbm.py` in each mode.
private let sweptMatchers: [SemiGlobalMatcher] = [
  SemiGlobalMatcher(disparityCount: 48),
  SemiGlobalMatcher(
    disparityCount: 64, blockSize: 5, maximumLeftRightDifference: 1, uniquenessRatio: 10,
    speckleWindowSize: 100, speckleRange: 32, mode: .sgbm),
  SemiGlobalMatcher(
    minimumDisparity: 2, disparityCount: 48, blockSize: 7, smallPenalty: 100, largePenalty: 1000,
    maximumLeftRightDifference: 2, preFilterCap: 31, uniquenessRatio: 5, mode: .sgbm3Way),
  SemiGlobalMatcher(disparityCount: 48, blockSize: 3, uniquenessRatio: 10, mode: .hh),
  SemiGlobalMatcher(disparityCount: 48, blockSize: 5, uniquenessRatio: 10, mode: .hh4),
]

@Suite("SemiGlobalMatcher")
struct SemiGlobalMatcherTests {
  @Test(
    "Equals cv2.StereoSGBM bit for bit on a synthetic pair",
    .enabled(
      if: OpenCVPython.isAvailable, OpenCVPython.skipNote), arguments: sweptMatchers)
  func matchesOpenCVOnSyntheticPair(matcher: SemiGlobalMatcher) throws {
    let folder = try TemporaryFolder()
    let (leftURL, rightURL) = try syntheticPair(in: folder)
    let expected = try openCVDisparity(left: leftURL, right: rightURL, matcher: matcher)
    let ours = try matcher.fixedPointDisparity(
      left: try ImageIO.readColor(leftURL), right: try ImageIO.readColor(rightURL))
    try #require(ours.count == expected.count)
    let differing = zip(ours, expected).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(ours.count) disparities differ from cv2")
    // Not vacuous: most pixels have a disparity.
    let valid = ours.filter { Int($0) >= matcher.minimumDisparity * 16 }.count
    #expect(valid > ours.count / 2, "only \(valid) valid pixels")
  }

  @Test(
    "Equals cv2.StereoSGBM bit for bit on Middlebury teddy",
    .enabled(
      if: OpenCVPython.isAvailable && sharedDataRoot != nil,
      "needs /usr/bin/python3 with cv2 and ../shared/data"),
    arguments: [sweptMatchers[1], sweptMatchers[2]])
  func matchesOpenCVOnRealPair(matcher: SemiGlobalMatcher) throws {
    let scene = try #require(sharedDataRoot).appendingPathComponent(
      "middlebury-2001-2003/teddy")
    let (leftURL, rightURL) = (
      scene.appendingPathComponent("imL.png"), scene.appendingPathComponent("imR.png")
    )
    let expected = try openCVDisparity(left: leftURL, right: rightURL, matcher: matcher)
    let ours = try matcher.fixedPointDisparity(
      left: try ImageIO.readColor(leftURL), right: try ImageIO.readColor(rightURL))
    try #require(ours.count == expected.count)
    let differing = zip(ours, expected).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(ours.count) disparities differ from cv2")
  }

  @Test("Gives pixels as value/16 and marks invalid ones infinite")
  func convertsFixedPoint() throws {
    var generator = SeededGenerator(seed: 3)
    let pair = SyntheticStereoGenerator(
      configuration: .init(width: 96, height: 64, minimumDisparity: 4, maximumDisparity: 20)
    ).makeScene(using: &generator).render()
    let matcher = SemiGlobalMatcher(
      disparityCount: 32, blockSize: 5, uniquenessRatio: 10, speckleWindowSize: 50,
      speckleRange: 2)
    let fixed = try matcher.fixedPointDisparity(left: pair.left, right: pair.right)
    let pixels = try matcher.disparity(left: pair.left, right: pair.right).pixels
    #expect(fixed.contains(-16), "the stricter settings reject some pixels")
    for (value, pixel) in zip(fixed, pixels) {
      if value < 0 { #expect(pixel == .infinity) } else { #expect(pixel == Float(value) / 16) }
    }
    // Against the scene's ground truth: most valid pixels are within 1 px.
    let truth = pair.leftDisparity.pixels
    let valid = pixels.indices.filter { pixels[$0].isFinite && truth[$0].isFinite }
    let good = valid.filter { abs(pixels[$0] - truth[$0]) <= 1 }.count
    #expect(Double(good) > 0.85 * Double(valid.count), "\(good) of \(valid.count) within 1 px")
  }

  @Test("Rounds the range up to a multiple of 16 that includes the maximum")
  func disparityCount() {
    #expect(SemiGlobalMatcher.disparityCount(maximumDisparity: 64) == 80)
    #expect(SemiGlobalMatcher.disparityCount(maximumDisparity: 63.5) == 64)
    #expect(SemiGlobalMatcher.disparityCount(maximumDisparity: 5) == 16)
    #expect(SemiGlobalMatcher.disparityCount(maximumDisparity: 40, minimumDisparity: 8) == 48)
    #expect(SemiGlobalMatcher(blockSize: 5).penalties(channels: 3) == (600, 2400))
  }

  @Test("Throws one-line errors for bad parameters and views, never crashes")
  func rejectsBadInput() {
    let image = Image(width: 32, height: 16, channels: 3, repeating: 0.5)
    let other = Image(width: 30, height: 16, channels: 3, repeating: 0.5)
    #expect(throws: ClassicStereoError.self) {
      try SemiGlobalMatcher(disparityCount: 20).disparity(left: image, right: image)
    }
    #expect(throws: ClassicStereoError.self) {
      try SemiGlobalMatcher(blockSize: 4).disparity(left: image, right: image)
    }
    #expect(throws: ClassicStereoError.self) {
      try SemiGlobalMatcher().disparity(left: image, right: other)
    }
  }
}
