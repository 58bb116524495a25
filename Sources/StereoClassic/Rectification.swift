internal import CStereoClassic
import StereoData

/// OpenCV's `cv::stereoRectify` for a rig of two calibrated cameras.
///
/// With flags `CALIB_ZERO_DISPARITY` (the rectified principal points coincide, so
/// `doffs = 0`) and `alpha` (−1: OpenCV's default scaling; 0: only valid pixels; 1: all source
/// pixels kept), the new image size equal to the input's.
///
/// - Parameters:
///   - leftCamera, rightCamera: `K1`, `K2`, 3×3 row-major.
///   - leftDistortion, rightDistortion: `D1`, `D2` (0, 4, 5, 8, 12 or 14 values).
///   - rotation, translation: `R` (3×3 row-major) and `T` (3): the right camera's pose,
///     `X_right = R·X_left + T`.
/// - Returns: Each camera's rotation `R_i` and projection `P_i`.
/// - Throws: ``ClassicStereoError`` with OpenCV's message when it rejects the input.
public func stereoRectify(
  leftCamera: [Double], leftDistortion: [Double], rightCamera: [Double],
  rightDistortion: [Double], rotation: [Double], translation: [Double], width: Int, height: Int,
  alpha: Double = -1
) throws(ClassicStereoError) -> (left: CameraRectification, right: CameraRectification) {
  guard leftCamera.count == 9, rightCamera.count == 9, rotation.count == 9,
    translation.count == 3
  else {
    throw ClassicStereoError("stereoRectify needs 3x3 K1, K2, R and a 3-vector T")
  }
  var r1 = [Double](repeating: 0, count: 9)
  var r2 = [Double](repeating: 0, count: 9)
  var p1 = [Double](repeating: 0, count: 12)
  var p2 = [Double](repeating: 0, count: 12)
  var q = [Double](repeating: 0, count: 16)
  try checkedNativeCall("stereoRectify") { error, capacity in
    wnet_stereo_rectify(
      leftCamera, leftDistortion, Int32(leftDistortion.count), rightCamera, rightDistortion,
      Int32(rightDistortion.count), rotation, translation, Int32(width), Int32(height), alpha,
      &r1, &r2, &p1, &p2, &q, error, capacity)
  }
  return (
    CameraRectification(
      cameraMatrix: leftCamera, distortion: leftDistortion, rotation: r1, projection: p1),
    CameraRectification(
      cameraMatrix: rightCamera, distortion: rightDistortion, rotation: r2, projection: p2)
  )
}

/// Per-pixel lookup maps that rectify a rig's images (`cv::initUndistortRectifyMap`, CV_32FC1),
/// applied with `cv::remap` (bilinear, black outside the source).
///
/// Map value `(mapX[y·W + x], mapY[y·W + x])` is the position in the raw image that rectified
/// pixel `(x, y)` comes from.
public struct RectificationMaps: Sendable {
  /// The rectified size.
  public let width: Int
  /// See ``width``.
  public let height: Int
  /// The left view's source columns and rows, `H·W` each, row-major.
  public var leftX: [Float]
  /// See ``leftX``.
  public var leftY: [Float]
  /// The right view's source columns and rows.
  public var rightX: [Float]
  /// See ``rightX``.
  public var rightY: [Float]

  /// The maps of a calibration's rectification at `width × height`.
  ///
  /// - Throws: ``ClassicStereoError`` when the calibration describes rectified images, is for
  ///   another size, or OpenCV rejects it.
  public init(calibration: StereoRigCalibration, width: Int, height: Int)
    throws(ClassicStereoError)
  {
    guard let rectification = calibration.rectification else {
      throw ClassicStereoError("\(calibration.source) describes rectified images")
    }
    try calibration.checkImageSize(width: width, height: height)
    self.width = width
    self.height = height
    (leftX, leftY) = try Self.map(rectification.left, width: width, height: height)
    (rightX, rightY) = try Self.map(rectification.right, width: width, height: height)
  }

  private static func map(_ camera: CameraRectification, width: Int, height: Int)
    throws(ClassicStereoError) -> (x: [Float], y: [Float])
  {
    var mapX = [Float](repeating: 0, count: width * height)
    var mapY = [Float](repeating: 0, count: width * height)
    let columns = camera.projection.count / 3
    try checkedNativeCall("initUndistortRectifyMap") { error, capacity in
      wnet_undistort_rectify_map(
        camera.cameraMatrix, camera.distortion, Int32(camera.distortion.count), camera.rotation,
        camera.projection, Int32(columns), Int32(width), Int32(height), &mapX, &mapY, error,
        capacity)
    }
    return (mapX, mapY)
  }

  /// The rectified pair.
  ///
  /// - Parameters:
  ///   - left, right: The raw views, `[H, W, C]` (C ≤ 4) of the maps' size.
  /// - Returns: The rectified views, `[H, W, C]`, bilinear, 0 where the source is outside.
  /// - Throws: ``ClassicStereoError`` for views of another size.
  public func rectify(left: Image, right: Image) throws(ClassicStereoError)
    -> (left: Image, right: Image)
  {
    for view in [left, right] where view.width != width || view.height != height {
      throw ClassicStereoError(
        "the calibration's maps are \(width)x\(height) but a view is \(view.width)x\(view.height)")
    }
    return (
      try Self.remap(left, x: leftX, y: leftY, width: width, height: height),
      try Self.remap(right, x: rightX, y: rightY, width: width, height: height)
    )
  }

  /// `cv::remap(image, mapX, mapY, INTER_LINEAR, BORDER_CONSTANT 0)`.
  static func remap(_ image: Image, x: [Float], y: [Float], width: Int, height: Int)
    throws(ClassicStereoError) -> Image
  {
    var output = [Float](repeating: 0, count: width * height * image.channels)
    try checkedNativeCall("remap") { error, capacity in
      wnet_remap_linear(
        image.pixels, Int32(image.width), Int32(image.height), Int32(image.channels), x, y,
        Int32(width), Int32(height), &output, error, capacity)
    }
    return Image(width: width, height: height, channels: image.channels, pixels: output)
  }
}
