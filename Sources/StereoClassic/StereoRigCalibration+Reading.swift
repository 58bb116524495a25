import Foundation
import StereoData

extension StereoRigCalibration {
  /// Reads a calibration file (see the formats in ``StereoRigCalibration``).
  ///
  /// - Parameters:
  ///   - url: The file; for ROS `CameraInfo`, the left camera's.
  ///   - right: The right camera's ROS `CameraInfo` file (only for ROS; an error with another
  ///     format, which describes both cameras).
  /// - Throws: ``ClassicStereoError`` with one line naming the file and the key that is missing,
  ///   malformed or out of range (singular or non-rotation `R`, non-positive focal length or
  ///   baseline, non-finite values).
  public static func read(_ url: URL, right: URL? = nil) throws(ClassicStereoError)
    -> StereoRigCalibration
  {
    let path = url.path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ClassicStereoError("\(path): cannot be read")
    }
    let text = String(decoding: data, as: UTF8.self)
    let isROS = text.contains("camera_matrix:") && text.contains("projection_matrix:")
    if let right, !isROS || url.pathExtension.lowercased() == "json" {
      throw ClassicStereoError(
        "\(right.path): a right camera's file goes with a ROS CameraInfo file; \(path) describes "
          + "both cameras")
    }
    if url.pathExtension.lowercased() == "json" { return try readJSON(data, source: path) }
    if isROS {
      guard let right else {
        throw ClassicStereoError(
          "\(path): a ROS CameraInfo file describes one camera; give the right camera's file too")
      }
      guard let rightData = FileManager.default.contents(atPath: right.path) else {
        throw ClassicStereoError("\(right.path): cannot be read")
      }
      return try readROS(
        left: text, right: String(decoding: rightData, as: UTF8.self), leftSource: path,
        rightSource: right.path)
    }
    let kittiPattern = "(^|\n)P2:"
    let isKITTI =
      text.contains("P_rect_02") || text.range(of: kittiPattern, options: .regularExpression) != nil
    if isKITTI {
      return try readKITTI(text, source: path)
    }
    if text.contains("cam0=") { return try readMiddlebury(text, source: path) }
    return try readFileStorage(url)
  }

  // MARK: - Rectified formats

  /// Numbers in a text, separated by spaces, commas, semicolons or brackets.
  private static func numbers(_ text: String) -> [Double?] {
    text.split(whereSeparator: { " ,;[]\t".contains($0) }).map { Double($0) }
  }

  static func readMiddlebury(_ text: String, source: String) throws(ClassicStereoError)
    -> StereoRigCalibration
  {
    do {
      return StereoRigCalibration(
        try RectifiedIntrinsics.readMiddlebury(text, source: source), source: source)
    } catch {
      throw ClassicStereoError(error.description)
    }
  }

  static func readKITTI(_ text: String, source: String) throws(ClassicStereoError)
    -> StereoRigCalibration
  {
    do {
      return StereoRigCalibration(
        try RectifiedIntrinsics.readKITTI(text, source: source), source: source)
    } catch {
      throw ClassicStereoError(error.description)
    }
  }

  // MARK: - Rigs that may need rectification

  /// Checks a camera matrix, distortion, rotation and translation; errors name `keys`.
  static func checkRig(
    leftCamera: [Double], leftDistortion: [Double], rightCamera: [Double],
    rightDistortion: [Double], rotation: [Double], translation: [Double], width: Int, height: Int,
    source: String, keys: [String]
  ) throws(ClassicStereoError) {
    func fail(_ index: Int, _ problem: String) -> ClassicStereoError {
      ClassicStereoError("\(source): key '\(keys[index])' \(problem)")
    }
    for (index, camera) in [(0, leftCamera), (2, rightCamera)] {
      guard camera.count == 9, camera.allSatisfy(\.isFinite) else {
        throw fail(index, "must be a 3x3 matrix of finite numbers")
      }
      guard camera[0] > 0, camera[4] > 0, camera[8] != 0 else {
        throw fail(index, "is singular (fx and fy must be positive)")
      }
    }
    for (index, distortion) in [(1, leftDistortion), (3, rightDistortion)] {
      guard [0, 4, 5, 8, 12, 14].contains(distortion.count), distortion.allSatisfy(\.isFinite)
      else { throw fail(index, "must hold 0, 4, 5, 8, 12 or 14 finite coefficients") }
    }
    guard rotation.count == 9, rotation.allSatisfy(\.isFinite) else {
      throw fail(4, "must be a 3x3 matrix of finite numbers")
    }
    // A rotation: RᵀR = I and det R = 1, within what 6-digit files round to.
    for i in 0..<3 {
      for j in 0..<3 {
        let dot = (0..<3).reduce(0.0) { $0 + rotation[$1 * 3 + i] * rotation[$1 * 3 + j] }
        guard abs(dot - (i == j ? 1 : 0)) < 1e-3 else { throw fail(4, "is not a rotation") }
      }
    }
    let r = rotation
    let determinant =
      r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6])
      + r[2] * (r[3] * r[7] - r[4] * r[6])
    guard abs(determinant - 1) < 1e-3 else { throw fail(4, "is not a rotation (det ≠ 1)") }
    guard translation.count == 3, translation.allSatisfy(\.isFinite),
      translation.contains(where: { $0 != 0 })
    else { throw fail(5, "must be a non-zero 3-vector of finite numbers") }
    guard width > 0, height > 0 else { throw fail(6, "must give a positive image size") }
  }

  /// A calibration from rectified projections `P1`, `P2` (3×4) and, when the images need it,
  /// each camera's rectification.
  static func fromProjections(
    left: CameraRectification, right: CameraRectification, width: Int, height: Int,
    source: String, projectionKeys: (String, String)
  ) throws(ClassicStereoError) -> StereoRigCalibration {
    let (p1, p2) = (left.projection, right.projection)
    guard p1.count == 12, p2.count == 12, (p1 + p2).allSatisfy(\.isFinite) else {
      throw ClassicStereoError(
        "\(source): keys '\(projectionKeys.0)', '\(projectionKeys.1)' must be 3x4 finite matrices")
    }
    guard p1[0] > 0, p2[0] > 0 else {
      throw ClassicStereoError(
        "\(source): key '\(projectionKeys.0)': the focal length must be positive")
    }
    let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    func isIdentityMapping(_ camera: CameraRectification) -> Bool {
      let k = camera.cameraMatrix
      let p = camera.projection
      return camera.distortion.allSatisfy { $0 == 0 }
        && zip(camera.rotation, identity).allSatisfy { abs($0 - $1) < 1e-9 }
        && [0, 1, 2, 4, 5, 6, 8, 9, 10].enumerated().allSatisfy {
          abs(k[$0.offset] - p[$0.element]) < 1e-9
        }
    }
    let rectified = isIdentityMapping(left) && isIdentityMapping(right)
    return try StereoRigCalibration(
      focalLengthX: p1[0], focalLengthY: p1[5], principalPointX: p1[2], principalPointY: p1[6],
      baseline: -p2[3] / p2[0], disparityOffset: p2[2] - p1[2], imageWidth: width,
      imageHeight: height, rectification: rectified ? nil : (left, right), source: source,
      keys: (projectionKeys.0, projectionKeys.1))
  }

  /// An OpenCV FileStorage stereo calibration.
  static func readFileStorage(_ url: URL) throws(ClassicStereoError) -> StereoRigCalibration {
    let storage = try FileStorageReader(url)
    let source = url.path
    /// The first present key of `names`, or an error naming them.
    func matrix(_ names: [String], required: Bool = true) throws(ClassicStereoError)
      -> (values: [Double], key: String)?
    {
      for name in names {
        if let found = try storage.numbers(name) { return (found.values, name) }
      }
      guard !required else {
        let alternatives = names.dropFirst().map { "'\($0)'" }.joined(separator: ", ")
        throw ClassicStereoError(
          "\(source): key '\(names[0])' is missing"
            + (alternatives.isEmpty ? "" : " (also looked for \(alternatives))"))
      }
      return nil
    }
    let k1 = try matrix(["K1", "M1", "cameraMatrix1", "camera_matrix_1"])!
    let d1 = try matrix(["D1", "distCoeffs1", "dist_coeffs1", "distortion_1"])!
    let k2 = try matrix(["K2", "M2", "cameraMatrix2", "camera_matrix_2"])!
    let d2 = try matrix(["D2", "distCoeffs2", "dist_coeffs2", "distortion_2"])!
    let r = try matrix(["R"])!
    let t = try matrix(["T"])!
    var width = 0
    var height = 0
    var sizeKey = "image_width"
    if let size = try matrix(["image_size", "imageSize", "size"], required: false) {
      sizeKey = size.key
      guard size.values.count == 2 else {
        throw ClassicStereoError("\(source): key '\(size.key)' must be [width, height]")
      }
      (width, height) = (Int(size.values[0]), Int(size.values[1]))
    } else {
      let w = try matrix(["image_width", "width", "imageWidth"])!
      let h = try matrix(["image_height", "height", "imageHeight"])!
      guard w.values.count == 1, h.values.count == 1 else {
        throw ClassicStereoError("\(source): key '\(w.key)'/'\(h.key)' must be numbers")
      }
      (width, height, sizeKey) = (Int(w.values[0]), Int(h.values[0]), w.key)
    }
    try checkRig(
      leftCamera: k1.values, leftDistortion: d1.values, rightCamera: k2.values,
      rightDistortion: d2.values, rotation: r.values, translation: t.values, width: width,
      height: height, source: source, keys: [k1.key, d1.key, k2.key, d2.key, "R", "T", sizeKey])
    let given = (
      try matrix(["R1"], required: false), try matrix(["R2"], required: false),
      try matrix(["P1"], required: false), try matrix(["P2"], required: false)
    )
    let rectification: (left: CameraRectification, right: CameraRectification)
    if let r1 = given.0, let r2 = given.1, let p1 = given.2, let p2 = given.3 {
      guard r1.values.count == 9, r2.values.count == 9 else {
        throw ClassicStereoError("\(source): keys 'R1', 'R2' must be 3x3 matrices")
      }
      rectification = (
        CameraRectification(
          cameraMatrix: k1.values, distortion: d1.values, rotation: r1.values,
          projection: p1.values),
        CameraRectification(
          cameraMatrix: k2.values, distortion: d2.values, rotation: r2.values,
          projection: p2.values)
      )
    } else {
      rectification = try stereoRectify(
        leftCamera: k1.values, leftDistortion: d1.values, rightCamera: k2.values,
        rightDistortion: d2.values, rotation: r.values, translation: t.values, width: width,
        height: height)
    }
    var calibration = try fromProjections(
      left: rectification.left, right: rectification.right, width: width, height: height,
      source: source, projectionKeys: ("P1", "P2"))
    // A stereo rig file always describes raw cameras; keep its rectification.
    calibration.rectification = rectification
    return calibration
  }

  /// Values of a ROS `CameraInfo` YAML: scalars and the `data: [...]` lists under top-level keys.
  static func rosEntries(_ text: String) -> [String: [Double?]] {
    var entries: [String: [Double?]] = [:]
    var key = ""
    var collecting: String?
    for rawLine in text.split(whereSeparator: \.isNewline) {
      let line = String(rawLine)
      if let name = collecting {
        entries[name, default: []] += numbers(line)
        if line.contains("]") { collecting = nil }
        continue
      }
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard let colon = trimmed.firstIndex(of: ":") else { continue }
      let name = String(trimmed[..<colon])
      let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if !line.hasPrefix(" ") && !line.hasPrefix("\t") {
        key = name
        if !value.isEmpty { entries[key] = numbers(value) }
      } else if name == "data" {
        entries[key] = numbers(value)
        if value.contains("[") && !value.contains("]") { collecting = key }
      }
    }
    return entries
  }

  /// A rig from two ROS `CameraInfo` YAML files.
  static func readROS(left: String, right: String, leftSource: String, rightSource: String)
    throws(ClassicStereoError) -> StereoRigCalibration
  {
    func camera(_ text: String, source: String) throws(ClassicStereoError)
      -> (CameraRectification, width: Int, height: Int)
    {
      let entries = rosEntries(text)
      func get(_ key: String, counts: [Int]) throws(ClassicStereoError) -> [Double] {
        guard let values = entries[key] else {
          throw ClassicStereoError("\(source): key '\(key)' is missing")
        }
        guard counts.contains(values.count), values.allSatisfy({ $0?.isFinite == true }) else {
          throw ClassicStereoError("\(source): key '\(key)' must hold \(counts) finite numbers")
        }
        return values.map { $0 ?? 0 }
      }
      let k = try get("camera_matrix", counts: [9])
      let d = try get("distortion_coefficients", counts: [0, 4, 5, 8, 12, 14])
      let r = try get("rectification_matrix", counts: [9])
      let p = try get("projection_matrix", counts: [12])
      let width = Int(try get("image_width", counts: [1])[0])
      let height = Int(try get("image_height", counts: [1])[0])
      guard k[0] > 0, k[4] > 0 else {
        throw ClassicStereoError("\(source): key 'camera_matrix' is singular")
      }
      return (
        CameraRectification(cameraMatrix: k, distortion: d, rotation: r, projection: p), width,
        height
      )
    }
    let l = try camera(left, source: leftSource)
    let r = try camera(right, source: rightSource)
    guard l.width == r.width, l.height == r.height else {
      throw ClassicStereoError(
        "\(rightSource): key 'image_width'/'image_height' differs from \(leftSource)")
    }
    return try fromProjections(
      left: l.0, right: r.0, width: l.width, height: l.height, source: rightSource,
      projectionKeys: ("projection_matrix", "projection_matrix"))
  }

  /// The documented JSON form.
  static func readJSON(_ data: Data, source: String) throws(ClassicStereoError)
    -> StereoRigCalibration
  {
    guard let object = try? JSONSerialization.jsonObject(with: data),
      let root = object as? [String: Any]
    else { throw ClassicStereoError("\(source): not a JSON object") }
    func number(_ dictionary: [String: Any], _ key: String, path: String = "")
      throws(ClassicStereoError) -> Double
    {
      guard let value = dictionary[key] as? NSNumber, value.doubleValue.isFinite else {
        throw ClassicStereoError("\(source): key '\(path)\(key)' is missing or not a finite number")
      }
      return value.doubleValue
    }
    func list(_ dictionary: [String: Any], _ key: String, path: String = "")
      throws(ClassicStereoError) -> [Double]
    {
      guard let value = dictionary[key] as? [NSNumber] else {
        throw ClassicStereoError(
          "\(source): key '\(path)\(key)' is missing or not a list of numbers")
      }
      return value.map(\.doubleValue)
    }
    if root["rotation"] == nil {
      let width = root["width"] == nil ? nil : Int(try number(root, "width"))
      let height = root["height"] == nil ? nil : Int(try number(root, "height"))
      let fx = try number(root, "fx")
      return try StereoRigCalibration(
        focalLengthX: fx, focalLengthY: root["fy"] == nil ? fx : try number(root, "fy"),
        principalPointX: try number(root, "cx"), principalPointY: try number(root, "cy"),
        baseline: try number(root, "baseline"),
        disparityOffset: root["doffs"] == nil ? 0 : try number(root, "doffs"),
        imageWidth: width, imageHeight: height, source: source)
    }
    let width = Int(try number(root, "width"))
    let height = Int(try number(root, "height"))
    func camera(_ key: String) throws(ClassicStereoError) -> (k: [Double], d: [Double]) {
      guard let camera = root[key] as? [String: Any] else {
        throw ClassicStereoError("\(source): key '\(key)' is missing or not an object")
      }
      let path = key + "."
      let fx = try number(camera, "fx", path: path)
      let fy = camera["fy"] == nil ? fx : try number(camera, "fy", path: path)
      let k = [
        fx, 0, try number(camera, "cx", path: path), 0, fy, try number(camera, "cy", path: path),
        0, 0, 1,
      ]
      let d = camera["distortion"] == nil ? [] : try list(camera, "distortion", path: path)
      return (k, d)
    }
    let (k1, d1) = try camera("left")
    let (k2, d2) = try camera("right")
    let rotation = try list(root, "rotation")
    let translation = try list(root, "translation")
    try checkRig(
      leftCamera: k1, leftDistortion: d1, rightCamera: k2, rightDistortion: d2,
      rotation: rotation, translation: translation, width: width, height: height, source: source,
      keys: [
        "left", "left.distortion", "right", "right.distortion", "rotation", "translation",
        "width",
      ])
    let rectification = try stereoRectify(
      leftCamera: k1, leftDistortion: d1, rightCamera: k2, rightDistortion: d2,
      rotation: rotation, translation: translation, width: width, height: height)
    var calibration = try fromProjections(
      left: rectification.left, right: rectification.right, width: width, height: height,
      source: source, projectionKeys: ("translation", "translation"))
    calibration.rectification = rectification
    return calibration
  }
}
