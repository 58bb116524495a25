import Foundation

/// The geometry of a rectified stereo rig, which turns disparity into metric depth.
///
///     depth = focalLength · baseline / (disparity + disparityOffset)
///
/// `disparityOffset` is Middlebury's `doffs`: the x difference of the two principal points
/// (`cx1 − cx0`), 0 for most rigs.
public struct StereoCalibration: Sendable, Hashable, Codable {
  /// The focal length, in pixels of the image it belongs to.
  public var focalLength: Float
  /// The distance between the camera centres, in metres.
  public var baseline: Float
  /// `doffs`, in pixels.
  public var disparityOffset: Float

  /// Creates a calibration.
  public init(focalLength: Float, baseline: Float, disparityOffset: Float = 0) {
    self.focalLength = focalLength
    self.baseline = baseline
    self.disparityOffset = disparityOffset
  }

  /// The depth in metres of a point at `disparity` pixels; `.infinity` for unknown disparity or
  /// a point at infinity.
  public func depth(disparity: Float) -> Float {
    let shifted = disparity + disparityOffset
    guard disparity.isFinite, shifted > 0 else { return .infinity }
    return focalLength * baseline / shifted
  }

  /// The calibration of the images resized by `factor` (focal length and offset scale, the
  /// baseline does not).
  public func scaled(by factor: Float) -> StereoCalibration {
    StereoCalibration(
      focalLength: focalLength * factor, baseline: baseline,
      disparityOffset: disparityOffset * factor)
  }
}

extension StereoCalibration {
  /// Reads a Middlebury/ETH3D `calib.txt`: `cam0=[f 0 cx; 0 f cy; 0 0 1]`, `doffs=…` and
  /// `baseline=…` in millimetres.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read or lacks one of these entries.
  public static func readMiddlebury(_ url: URL) throws -> StereoCalibration {
    let text = String(decoding: try FileContents.read(url), as: UTF8.self)
    var entries: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: "=", maxSplits: 1)
      if parts.count == 2 {
        entries[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1]
          .trimmingCharacters(in: .whitespaces)
      }
    }
    func number(_ key: String) throws -> Float {
      guard let text = entries[key], let value = Float(text) else {
        throw StereoDataError(.corrupt, url, "no numeric '\(key)=' entry")
      }
      return value
    }
    let camera = entries["cam0"]?.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
      .split(whereSeparator: { $0 == " " || $0 == ";" }).compactMap { Float($0) }
    guard let camera, camera.count == 9, camera[0] > 0 else {
      throw StereoDataError(.corrupt, url, "no 'cam0=[f 0 cx; 0 f cy; 0 0 1]' entry")
    }
    let baselineMillimetres = try number("baseline")
    return StereoCalibration(
      focalLength: camera[0], baseline: baselineMillimetres / 1000,
      disparityOffset: try number("doffs"))
  }

  /// The `ndisp=` entry of a Middlebury/ETH3D `calib.txt` (a bound on the disparities), or nil
  /// when it has none.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read or `ndisp` is not a positive
  ///   number of at most 100000.
  public static func readMiddleburyDisparityBound(_ url: URL) throws -> Float? {
    let text = String(decoding: try FileContents.read(url), as: UTF8.self)
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: "=", maxSplits: 1).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if parts.count == 2, parts[0] == "ndisp" {
        guard let value = Float(parts[1]), value > 0, value <= 100_000 else {
          throw StereoDataError(
            .corrupt, url, "'ndisp=\(parts[1])' must be a positive number of at most 100000")
        }
        return value
      }
    }
    return nil
  }

  /// Reads a KITTI calibration file: `P_rect_02`/`P_rect_03` (2015, `calib_cam_to_cam`) or
  /// `P2`/`P3` (2012, `calib`), 3×4 projection matrices whose fourth entries are `−f·tx`.
  ///
  /// - Throws: ``StereoDataError`` when the file cannot be read or lacks the matrices.
  public static func readKITTI(_ url: URL) throws -> StereoCalibration {
    let text = String(decoding: try FileContents.read(url), as: UTF8.self)
    var matrices: [String: [Float]] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: ":", maxSplits: 1)
      if parts.count == 2 {
        matrices[String(parts[0])] = parts[1].split(separator: " ").compactMap { Float($0) }
      }
    }
    guard let left = matrices["P_rect_02"] ?? matrices["P2"],
      let right = matrices["P_rect_03"] ?? matrices["P3"], left.count == 12, right.count == 12,
      left[0] > 0
    else {
      throw StereoDataError(.corrupt, url, "no 'P_rect_02'/'P_rect_03' (or 'P2'/'P3') matrices")
    }
    return StereoCalibration(
      focalLength: left[0], baseline: (left[3] - right[3]) / left[0],
      disparityOffset: right[2] - left[2])
  }
}
