/// One rectified stereo pair with whatever ground truth its dataset provides.
///
/// Convention: a point at column `x` in the left view is at column `x − d` in the right view,
/// with disparity `d ≥ 0`. Maps hold pixels; unknown values are non-finite; masks hold 1 where a
/// pixel is evaluated and 0 elsewhere.
public struct StereoSample: Sendable {
  /// The left view, `[H, W, 3]` in [0, 1].
  public var left: Image
  /// The right view, `[H, W, 3]` in [0, 1].
  public var right: Image
  /// The left view's ground-truth disparity, `[H, W, 1]` in pixels, unknown = `.infinity`.
  public var disparity: Image?
  /// Non-occluded pixels, `[H, W, 1]` (Middlebury `mask0nocc.png` or `nonocc.png`, KITTI
  /// `disp_noc`).
  public var nonOccludedMask: Image?
  /// The pixels of Middlebury 2001-2003's "all" region (`all.png`), `[H, W, 1]`.
  public var evaluationMask: Image?
  /// Pixels near depth discontinuities (Middlebury 2001-2003 `disc.png`), `[H, W, 1]`.
  public var discontinuityMask: Image?
  /// The rig's calibration, for metric depth.
  public var calibration: StereoCalibration?
  /// The dataset's bound on this pair's disparities, in pixels, where it gives one (Middlebury
  /// `calib.txt`'s `ndisp`, the second line of 2001-2003's `info.txt`): the search range that
  /// stereo methods are given, not ground truth.
  public var maximumDisparity: Float?
  /// Proxy labels for both views (for example checked SGBM disparities), when a
  /// ``StereoProxyProvider`` supplied them; aligned with the views through every transform.
  public var proxy: StereoProxy?
  /// What the pair belongs to for splitting: a scene folder, a KITTI sequence, a video (or a
  /// segment of one). Samples of one source always land on the same side of a split.
  public var source: String
  /// A name unique within the dataset, e.g. `teddy`, `training/000012_10` or `movie.mkv@12.000s`
  /// (prefixed with its folder's name where merged datasets share it: ``StereoDataset/init(merging:)``).
  public var identifier: String

  /// Creates a sample; the views must have the same size and 3 channels.
  public init(
    left: Image, right: Image, disparity: Image? = nil, nonOccludedMask: Image? = nil,
    evaluationMask: Image? = nil, discontinuityMask: Image? = nil,
    calibration: StereoCalibration? = nil, maximumDisparity: Float? = nil, source: String,
    identifier: String
  ) {
    precondition(
      left.width == right.width && left.height == right.height && left.channels == 3
        && right.channels == 3,
      "Views must be [H, W, 3] of one size: left \(left.width)x\(left.height)x\(left.channels), "
        + "right \(right.width)x\(right.height)x\(right.channels)")
    self.left = left
    self.right = right
    self.disparity = disparity
    self.nonOccludedMask = nonOccludedMask
    self.evaluationMask = evaluationMask
    self.discontinuityMask = discontinuityMask
    self.calibration = calibration
    self.maximumDisparity = maximumDisparity
    self.source = source
    self.identifier = identifier
  }

  /// The width of the views.
  public var width: Int { left.width }
  /// The height of the views.
  public var height: Int { left.height }
}
