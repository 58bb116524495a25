import Foundation

/// A rectified stereo rig as Middlebury and KITTI calibration files give it: the rectified left
/// camera's intrinsics, the baseline and the principal points' offset.
///
/// Pixel `(u, v)` of the left view with disparity `d` is at
///
///     Z = fx·B / (d + doffs),   X = (u − cx)·Z / fx,   Y = (v − cy)·Z / fy
///
/// Formats:
/// - **Middlebury/ETH3D** `calib.txt`: `cam0=[fx 0 cx; 0 fy cy; 0 0 1]`, `baseline=` in
///   millimetres, optional `doffs=` (0 when absent), `width=`, `height=`.
/// - **KITTI** `calib_cam_to_cam.txt` (`P_rect_02`, `P_rect_03`, optional `S_rect_02: w h`) or
///   `calib.txt` (`P2`, `P3`): 3×4 row-major projections `[fx 0 cx −fx·tx; 0 fy cy 0; 0 0 1 0]`;
///   `B = (P2[0,3] − P3[0,3]) / fx`, `doffs = P3[0,2] − P2[0,2]`.
public struct RectifiedIntrinsics: Sendable, Hashable {
  /// The horizontal focal length, pixels.
  public var focalLengthX: Double
  /// The vertical focal length, pixels.
  public var focalLengthY: Double
  /// The principal point's column, pixels.
  public var principalPointX: Double
  /// The principal point's row, pixels.
  public var principalPointY: Double
  /// The distance between the camera centres, metres.
  public var baseline: Double
  /// `doffs = cx_right − cx_left`, pixels.
  public var disparityOffset: Double
  /// The image width the calibration is for, where the file gives it.
  public var imageWidth: Int?
  /// The image height the calibration is for, where the file gives it.
  public var imageHeight: Int?

  /// Creates intrinsics after checking them.
  ///
  /// The focal lengths and baseline must be positive and finite, the principal point and
  /// `doffs` finite. `source` (the file the values come from) and `keys` (the keys that hold
  /// the focal length and the baseline) name them in messages.
  ///
  /// - Throws: ``StereoDataError`` (`.corrupt`) whose one-line description is
  ///   `source: key 'name': problem`.
  public init(
    focalLengthX: Double, focalLengthY: Double, principalPointX: Double, principalPointY: Double,
    baseline: Double, disparityOffset: Double = 0, imageWidth: Int? = nil, imageHeight: Int? = nil,
    source: String, keys: (focal: String, baseline: String) = ("fx", "baseline")
  ) throws(StereoDataError) {
    let values = [focalLengthX, focalLengthY, principalPointX, principalPointY, disparityOffset]
    guard values.allSatisfy(\.isFinite), focalLengthX > 0, focalLengthY > 0 else {
      throw StereoDataError(
        .corrupt, path: source,
        "key '\(keys.focal)': the focal lengths must be positive and the principal point finite")
    }
    guard baseline.isFinite, baseline > 0 else {
      throw StereoDataError(
        .corrupt, path: source,
        "key '\(keys.baseline)': the baseline must be positive and finite, got \(baseline)")
    }
    self.focalLengthX = focalLengthX
    self.focalLengthY = focalLengthY
    self.principalPointX = principalPointX
    self.principalPointY = principalPointY
    self.baseline = baseline
    self.disparityOffset = disparityOffset
    self.imageWidth = imageWidth
    self.imageHeight = imageHeight
  }

  /// What turns disparity into depth: `fx`, `B` and `doffs`.
  public var stereoCalibration: StereoCalibration {
    StereoCalibration(
      focalLength: Float(focalLengthX), baseline: Float(baseline),
      disparityOffset: Float(disparityOffset))
  }
}

extension RectifiedIntrinsics {
  /// Reads a Middlebury/ETH3D `calib.txt` file.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read, or naming the file and the key
  ///   that is missing, malformed or out of range.
  public static func readMiddlebury(_ url: URL) throws(StereoDataError) -> RectifiedIntrinsics {
    try readMiddlebury(try text(url), source: url.path)
  }

  /// Reads the text of a Middlebury/ETH3D `calib.txt`; `source` names it in messages.
  public static func readMiddlebury(_ text: String, source: String) throws(StereoDataError)
    -> RectifiedIntrinsics
  {
    let entries = entries(text, separator: "=")
    let camera = try values(entries, "cam0", count: 9, source: source)
    let baseline = try values(entries, "baseline", count: 1, source: source)[0]
    let doffs =
      entries["doffs"] == nil ? 0 : try values(entries, "doffs", count: 1, source: source)[0]
    return try RectifiedIntrinsics(
      focalLengthX: camera[0], focalLengthY: camera[4], principalPointX: camera[2],
      principalPointY: camera[5], baseline: baseline / 1000, disparityOffset: doffs,
      imageWidth: try size(entries, "width", source: source),
      imageHeight: try size(entries, "height", source: source), source: source,
      keys: ("cam0", "baseline"))
  }

  /// Reads a KITTI calibration file (`calib_cam_to_cam.txt` or `calib.txt`).
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read, or naming the file and the key
  ///   that is missing, malformed or out of range.
  public static func readKITTI(_ url: URL) throws(StereoDataError) -> RectifiedIntrinsics {
    try readKITTI(try text(url), source: url.path)
  }

  /// Reads the text of a KITTI calibration file; `source` names it in messages.
  public static func readKITTI(_ text: String, source: String) throws(StereoDataError)
    -> RectifiedIntrinsics
  {
    let entries = entries(text, separator: ":")
    let (leftKey, rightKey) =
      entries["P_rect_02"] != nil ? ("P_rect_02", "P_rect_03") : ("P2", "P3")
    let left = try values(entries, leftKey, count: 12, source: source)
    let right = try values(entries, rightKey, count: 12, source: source)
    guard left[0] > 0 else {
      throw StereoDataError(
        .corrupt, path: source, "key '\(leftKey)': the focal length must be positive")
    }
    var width: Int?
    var height: Int?
    if entries["S_rect_02"] != nil {
      let size = try values(entries, "S_rect_02", count: 2, source: source)
      guard size.allSatisfy({ $0 >= 1 && $0 <= 1_000_000 && $0.rounded() == $0 }) else {
        throw StereoDataError(
          .corrupt, path: source, "key 'S_rect_02' must hold a positive whole width and height")
      }
      (width, height) = (Int(size[0]), Int(size[1]))
    }
    return try RectifiedIntrinsics(
      focalLengthX: left[0], focalLengthY: left[5], principalPointX: left[2],
      principalPointY: left[6], baseline: (left[3] - right[3]) / left[0],
      disparityOffset: right[2] - left[2], imageWidth: width, imageHeight: height,
      source: source, keys: (leftKey, rightKey))
  }

  // MARK: - Text

  /// The text of a calibration file.
  private static func text(_ url: URL) throws(StereoDataError) -> String {
    do {
      return String(decoding: try FileContents.read(url), as: UTF8.self)
    } catch let error as StereoDataError {
      throw error
    } catch {
      throw StereoDataError(.unreadable, url, "cannot be read (\(error.localizedDescription))")
    }
  }

  /// The `key<separator>value` lines of a text, keys and values trimmed of spaces; a later line
  /// replaces an earlier one with the same key.
  static func entries(_ text: String, separator: Character) -> [String: String] {
    var entries: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: separator, maxSplits: 1)
      if parts.count == 2 {
        entries[parts[0].trimmingCharacters(in: .whitespaces)] =
          parts[1].trimmingCharacters(in: .whitespaces)
      }
    }
    return entries
  }

  /// `count` finite numbers under `key` (separated by spaces, tabs, commas, semicolons or
  /// brackets), or an error naming the file and the key.
  private static func values(
    _ entries: [String: String], _ key: String, count: Int, source: String
  ) throws(StereoDataError) -> [Double] {
    guard let text = entries[key] else {
      throw StereoDataError(.corrupt, path: source, "key '\(key)' is missing")
    }
    let parsed = text.split(whereSeparator: { " ,;[]\t".contains($0) }).map { Double($0) }
    guard parsed.count == count, parsed.allSatisfy({ $0?.isFinite == true }) else {
      throw StereoDataError(
        .corrupt, path: source, "key '\(key)' must hold \(count) finite numbers")
    }
    return parsed.map { $0 ?? 0 }
  }

  /// The positive whole number under `key`, nil when the key is absent.
  private static func size(_ entries: [String: String], _ key: String, source: String)
    throws(StereoDataError) -> Int?
  {
    guard let text = entries[key] else { return nil }
    guard let value = Int(text), value > 0 else {
      throw StereoDataError(
        .corrupt, path: source, "key '\(key)' must be a positive whole number, not '\(text)'")
    }
    return value
  }
}
