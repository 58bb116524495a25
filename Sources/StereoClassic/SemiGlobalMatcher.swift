internal import CStereoClassic
import Foundation
import StereoData

/// OpenCV's semi-global block matcher (`cv::StereoSGBM`, Hirschmüller 2008 with OpenCV's
/// block-matching cost), run on a rectified pair.
///
/// Every parameter of `cv::StereoSGBM::create` is here with OpenCV's default, except the
/// smoothness penalties: OpenCV's 0 means "P1 = 2, P2 = 5" (almost no smoothing), so `nil`
/// here stands for the values OpenCV's documentation recommends,
///
///     P1 = 8 · cn · blockSize²,   P2 = 32 · cn · blockSize²     (cn: 1 grey, 3 colour)
///
/// The disparity range is `minimumDisparity ..< minimumDisparity + disparityCount`, where
/// ``disparityCount`` (`numDisparities`) is a positive multiple of 16; ``init(maximumDisparity:)``
/// derives it from the largest disparity expected.
///
/// OpenCV gives disparities in fixed point (`CV_16S`, 16 × pixels) and marks invalid pixels (no
/// unique match, failed left-right check, removed speckles) with `(minimumDisparity − 1) · 16`;
/// ``disparity(left:right:)`` turns them into pixels (`value / 16`) and `.infinity`.
public struct SemiGlobalMatcher: Sendable, Hashable, Codable {
  /// OpenCV's `mode`: how many paths the cost is aggregated along.
  public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
    /// `MODE_SGBM`: 5 paths, single pass (OpenCV's default).
    case sgbm
    /// `MODE_HH`: the full 8-path algorithm (most memory; about 3.5x the time of `sgbm3Way`).
    case hh
    /// `MODE_SGBM_3WAY`: 3 paths per pass, parallel; the fastest.
    case sgbm3Way = "3way"
    /// `MODE_HH4`: 4 paths.
    case hh4

    /// OpenCV's constant.
    var openCVValue: Int32 {
      switch self {
      case .sgbm: 0
      case .hh: 1
      case .sgbm3Way: 2
      case .hh4: 3
      }
    }
  }

  /// `minDisparity`: the smallest disparity searched, in pixels (default 0).
  public var minimumDisparity: Int
  /// `numDisparities`: how many disparities are searched, a positive multiple of 16 (OpenCV's
  /// default 16).
  public var disparityCount: Int
  /// `blockSize`: the odd side of the matched block, ≥ 1 (default 3).
  public var blockSize: Int
  /// `P1`: the penalty for a disparity change of ±1 between neighbours; `nil` =
  /// `8 · cn · blockSize²`.
  public var smallPenalty: Int?
  /// `P2`: the penalty for larger changes (must exceed P1); `nil` = `32 · cn · blockSize²`.
  public var largePenalty: Int?
  /// `disp12MaxDiff`: the largest difference, in whole pixels, allowed in OpenCV's internal
  /// left-right check (default 0, which OpenCV treats as 1; negative disables the check).
  public var maximumLeftRightDifference: Int
  /// `preFilterCap`: the clip of the x-derivative prefilter (default 0, which OpenCV treats as 15).
  public var preFilterCap: Int
  /// `uniquenessRatio`: the margin, in percent, by which the best cost must beat the second
  /// best (excluding ±1 neighbours); 0 disables the test (the default).
  public var uniquenessRatio: Int
  /// `speckleWindowSize`: connected regions of at most this many pixels whose disparities vary by
  /// at most ``speckleRange`` are marked invalid; 0 disables the filter (the default).
  public var speckleWindowSize: Int
  /// `speckleRange`: the largest disparity variation within a connected region, in pixels
  /// (OpenCV multiplies it by 16 internally; default 0).
  public var speckleRange: Int
  /// `mode` (default ``Mode/sgbm``).
  public var mode: Mode

  /// Creates a matcher; the defaults are `cv::StereoSGBM::create`'s, except P1/P2 (see above).
  public init(
    minimumDisparity: Int = 0, disparityCount: Int = 16, blockSize: Int = 3,
    smallPenalty: Int? = nil, largePenalty: Int? = nil, maximumLeftRightDifference: Int = 0,
    preFilterCap: Int = 0, uniquenessRatio: Int = 0, speckleWindowSize: Int = 0,
    speckleRange: Int = 0, mode: Mode = .sgbm
  ) {
    self.minimumDisparity = minimumDisparity
    self.disparityCount = disparityCount
    self.blockSize = blockSize
    self.smallPenalty = smallPenalty
    self.largePenalty = largePenalty
    self.maximumLeftRightDifference = maximumLeftRightDifference
    self.preFilterCap = preFilterCap
    self.uniquenessRatio = uniquenessRatio
    self.speckleWindowSize = speckleWindowSize
    self.speckleRange = speckleRange
    self.mode = mode
  }

  /// The number of disparities that covers `minimumDisparity … maximumDisparity` (both
  /// included), rounded up to a multiple of 16:
  /// `16 · ⌈(⌊maximumDisparity⌋ − minimumDisparity + 1) / 16⌉`, at least 16; a maximum beyond
  /// ``largestDisparity`` (or not finite) counts as just beyond it, so that ``validate(channels:)``
  /// refuses it instead of the conversion trapping.
  public static func disparityCount(maximumDisparity: Float, minimumDisparity: Int = 0) -> Int {
    let top =
      maximumDisparity.isNaN
      ? Float(largestDisparity + 1)
      : min(max(maximumDisparity, -Float(largestDisparity) - 1), Float(largestDisparity + 1))
    let bottom = min(max(minimumDisparity, -largestDisparity - 1), largestDisparity + 1)
    let span = Int(top.rounded(.down)) - bottom + 1
    return max(16, (span + 15) / 16 * 16)
  }

  /// The largest disparity OpenCV's fixed-point output can hold: `CV_16S` at 16 × pixels.
  public static let largestDisparity = Int(Int16.max) / 16

  /// Sets ``disparityCount`` so that disparities up to `maximumDisparity` are searched.
  public mutating func setMaximumDisparity(_ maximumDisparity: Float) {
    disparityCount = Self.disparityCount(
      maximumDisparity: maximumDisparity, minimumDisparity: minimumDisparity)
  }

  /// The largest disparity searched, `minimumDisparity + disparityCount − 1`.
  public var maximumDisparity: Int { minimumDisparity + disparityCount - 1 }

  /// The smoothness penalties passed to OpenCV for images of `channels` channels.
  public func penalties(channels: Int) -> (small: Int, large: Int) {
    let area = blockSize * blockSize
    return (smallPenalty ?? 8 * channels * area, largePenalty ?? 32 * channels * area)
  }

  /// Checks the parameters as OpenCV would, but with a message naming the parameter.
  ///
  /// - Throws: ``ClassicStereoError`` for a disparity count that is not a positive multiple of
  ///   16, an even or non-positive block size, negative penalties, uniqueness, speckle values or
  ///   prefilter cap, or P2 ≤ P1.
  public func validate(channels: Int = 3) throws(ClassicStereoError) {
    guard disparityCount > 0, disparityCount % 16 == 0 else {
      throw ClassicStereoError(
        "numDisparities must be a positive multiple of 16, got \(disparityCount)")
    }
    guard abs(minimumDisparity) <= Self.largestDisparity,
      minimumDisparity + disparityCount - 1 <= Self.largestDisparity
    else {
      throw ClassicStereoError(
        "disparities from \(minimumDisparity) over \(disparityCount) reach beyond "
          + "\(Self.largestDisparity), the most OpenCV's fixed-point output holds")
    }
    guard blockSize >= 1, blockSize % 2 == 1, blockSize <= 255 else {
      throw ClassicStereoError("blockSize must be odd and in 1...255, got \(blockSize)")
    }
    for (name, value) in [
      ("P1", smallPenalty ?? 0), ("P2", largePenalty ?? 0),
      ("disp12MaxDiff", maximumLeftRightDifference), ("preFilterCap", preFilterCap),
      ("uniquenessRatio", uniquenessRatio), ("speckleWindowSize", speckleWindowSize),
      ("speckleRange", speckleRange),
    ] where Int32(exactly: value) == nil {
      throw ClassicStereoError("\(name) must fit in 32 bits, got \(value)")
    }
    let (small, large) = penalties(channels: channels)
    guard small >= 0, large >= 0 else { throw ClassicStereoError("P1 and P2 must not be negative") }
    guard small == 0 || large > small else {
      throw ClassicStereoError("P2 (\(large)) must be larger than P1 (\(small))")
    }
    guard uniquenessRatio >= 0, speckleWindowSize >= 0, speckleRange >= 0, preFilterCap >= 0
    else {
      throw ClassicStereoError(
        "uniquenessRatio, speckleWindowSize, speckleRange and preFilterCap must not be negative")
    }
  }

  /// Starts OpenCV's thread pool on a background thread and returns at once, so that a process
  /// that will match (`wnet infer --method sgbm`) starts the pool while it reads its images
  /// rather than inside its first ``fixedPointDisparity(left:right:)`` (about 4 ms of the first
  /// call at 640×480 on 2 cores). Harmless when called more than once or never followed by a
  /// call. The process must call ``waitForWarmUp()`` before it exits.
  public static func warmUpInBackground() {
    warmUps.enter()
    Thread.detachNewThread {
      wnet_classic_warm_up()
      warmUps.leave()
    }
  }

  /// Waits for every warm-up that ``warmUpInBackground()`` started (at once when none runs).
  ///
  /// A process that exits while OpenCV's pool is still starting, on an early error for example,
  /// destroys OpenCV's globals under that thread and crashes (about one exit in 300 with a bad
  /// calibration file).
  public static func waitForWarmUp() { warmUps.wait() }

  /// The warm-ups in flight.
  private static let warmUps = DispatchGroup()

  /// OpenCV's fixed-point disparities of a pair.
  ///
  /// - Parameters:
  ///   - left: The left view, `[H, W, 3]` RGB or `[H, W, 1]` grey, in [0, 1] (quantised to
  ///     8 bits, `round(255·v)` with ties to even, which is exact for images read from 8-bit
  ///     files).
  ///   - right: The right view, the same size and channels.
  /// - Returns: `H·W` values, row-major: 16 × disparity, or `(minimumDisparity − 1)·16` where
  ///   invalid.
  /// - Throws: ``ClassicStereoError`` for views of different sizes, bad parameters, or an
  ///   OpenCV error.
  public func fixedPointDisparity(left: Image, right: Image) throws(ClassicStereoError)
    -> [Int16]
  {
    guard left.width == right.width, left.height == right.height,
      left.channels == right.channels
    else {
      throw ClassicStereoError(
        "the views differ: \(left.width)x\(left.height)x\(left.channels) and "
          + "\(right.width)x\(right.height)x\(right.channels)")
    }
    guard left.channels == 1 || left.channels == 3 else {
      throw ClassicStereoError("SGBM takes 1 or 3 channels, got \(left.channels)")
    }
    guard left.width > 0, left.height > 0 else { throw ClassicStereoError("the views are empty") }
    try validate(channels: left.channels)
    let (small, large) = penalties(channels: left.channels)
    var parameters = wnet_sgbm_parameters(
      min_disparity: Int32(minimumDisparity), num_disparities: Int32(disparityCount),
      block_size: Int32(blockSize), p1: Int32(small), p2: Int32(large),
      disp12_max_diff: Int32(maximumLeftRightDifference), pre_filter_cap: Int32(preFilterCap),
      uniqueness_ratio: Int32(uniquenessRatio), speckle_window_size: Int32(speckleWindowSize),
      speckle_range: Int32(speckleRange), mode: mode.openCVValue)
    var output = [Int16](repeating: 0, count: left.width * left.height)
    try checkedNativeCall("StereoSGBM") { error, capacity in
      output.withUnsafeMutableBufferPointer { out in
        wnet_sgbm_compute(
          left.pixels, right.pixels, Int32(left.width), Int32(left.height), Int32(left.channels),
          &parameters, out.baseAddress, error, capacity)
      }
    }
    return output
  }

  /// The left view's disparity in pixels.
  ///
  /// - Parameters:
  ///   - left: The left view, `[H, W, 3]` or `[H, W, 1]` in [0, 1].
  ///   - right: The right view, the same size.
  /// - Returns: `[H, W, 1]`: `value / 16` where OpenCV found a disparity, `.infinity` where it
  ///   marked the pixel invalid (`value < minimumDisparity · 16`).
  /// - Throws: ``ClassicStereoError`` as ``fixedPointDisparity(left:right:)``.
  public func disparity(left: Image, right: Image) throws(ClassicStereoError) -> Image {
    let fixed = try fixedPointDisparity(left: left, right: right)
    let invalidBelow = minimumDisparity * 16
    return Image(
      width: left.width, height: left.height, channels: 1,
      pixels: fixed.map { Int($0) < invalidBelow ? .infinity : Float($0) / 16 })
  }
}
