import Foundation
import StereoData
import StereoDepth
import Testing

@Suite("Depth from disparity and PLY point clouds")
struct PointCloudTests {
  /// f = 100 px, B = 0.5 m: Z = 50 / (d + doffs).
  @Test("Z = f·B/(d + doffs), unknown where d + doffs ≤ 0")
  func depth() {
    let camera = RectifiedStereoCamera(
      focalLength: 100, principalPointX: 1, principalPointY: 0.5, baseline: 0.5)
    let disparity = Image(width: 5, height: 1, channels: 1, pixels: [10, 25, 0, -1, .nan])
    let depth = camera.depth(fromDisparity: disparity).pixels
    #expect(Array(depth[0..<2]) == [5, 2])
    #expect(depth[2...].allSatisfy { $0.isNaN }, "\(depth)")
    // doffs = 2 makes d = -1 valid: 50 / 1 = 50; d = -2 sits at infinity.
    var shifted = camera
    shifted.disparityOffset = 2
    #expect(shifted.depth(fromDisparity: -1) == 50)
    #expect(shifted.depth(fromDisparity: -2).isNaN)
  }

  /// Depth 2×3 with f = 100, cx = 1, cy = 0.5, maximum depth 8.
  ///
  ///
  ///     (u, v)   Z     X = (u − 1)·Z/100   Y = (v − 0.5)·Z/100   colour
  ///     (0, 0)   2     −0.02               −0.01                 (0, 0.5, 1) → (0, 128, 255)
  ///     (1, 0)   NaN   dropped
  ///     (2, 0)   10    dropped (> 8)
  ///     (0, 1)   −1    dropped (Z ≤ 0)
  ///     (1, 1)   4     0                   0.02                  (1, 1, 1) → 255s
  ///     (2, 1)   8     0.08                0.04                  (0.2, 0.4, 0.6) → (51, 102, 153)
  static func makeCloud() -> PointCloud {
    let camera = RectifiedStereoCamera(
      focalLength: 100, principalPointX: 1, principalPointY: 0.5, baseline: 1)
    let depth = Image(width: 3, height: 2, channels: 1, pixels: [2, .nan, 10, -1, 4, 8])
    var colors = Image(width: 3, height: 2, channels: 3)
    colors.pixels[0..<3] = [0, 0.5, 1]
    colors.pixels[12..<15] = [1, 1, 1]
    colors.pixels[15..<18] = [0.2, 0.4, 0.6]
    return PointCloud(depth: depth, colors: colors, camera: camera, maximumDepth: 8)
  }

  static let expected: [ColoredPoint] = [
    ColoredPoint(x: -0.02, y: -0.01, z: 2, red: 0, green: 128, blue: 255),
    ColoredPoint(x: 0, y: 0.02, z: 4, red: 255, green: 255, blue: 255),
    ColoredPoint(x: 0.08, y: 0.04, z: 8, red: 51, green: 102, blue: 153),
  ]

  func close(_ a: ColoredPoint, _ b: ColoredPoint) -> Bool {
    abs(a.x - b.x) < 1e-6 && abs(a.y - b.y) < 1e-6 && abs(a.z - b.z) < 1e-6
      && a.red == b.red && a.green == b.green && a.blue == b.blue
  }

  @Test("Back-projection and the maximum-depth cut, by hand")
  func backProjection() throws {
    let cloud = Self.makeCloud()
    try #require(cloud.points.count == 3)
    for (ours, theirs) in zip(cloud.points, Self.expected) {
      #expect(close(ours, theirs), "\(ours) vs \(theirs)")
    }
  }

  /// f = 100, B = 0.5, cx = cy = 0: d = 25 → Z = 2 at (1, 0): X = 0.02; d = 0 → no point.
  @Test("Clouds from disparity go through depth")
  func fromDisparity() {
    let camera = RectifiedStereoCamera(
      focalLength: 100, principalPointX: 0, principalPointY: 0, baseline: 0.5)
    let cloud = PointCloud(
      disparity: Image(width: 2, height: 1, channels: 1, pixels: [0, 25]),
      colors: Image(width: 2, height: 1, channels: 1, pixels: [0.2, 0.6]), camera: camera)
    #expect(cloud.points == [ColoredPoint(x: 0.02, y: 0, z: 2, red: 153, green: 153, blue: 153)])
  }

  /// A PLY reader written for this test: header lines up to `end_header`, then 15-byte records.
  static func parse(_ data: Data) throws -> [ColoredPoint] {
    let marker = Data("end_header\n".utf8)
    let end = try #require(data.range(of: marker))
    let header = String(decoding: data[..<end.lowerBound], as: UTF8.self)
    let lines = header.split(separator: "\n").map(String.init)
    #expect(lines.first == "ply")
    #expect(lines.contains("format binary_little_endian 1.0"))
    let properties = lines.filter { $0.hasPrefix("property") }
    #expect(
      properties == [
        "property float x", "property float y", "property float z", "property uchar red",
        "property uchar green", "property uchar blue",
      ])
    let countLine = try #require(lines.first { $0.hasPrefix("element vertex ") })
    let count = try #require(Int(countLine.dropFirst("element vertex ".count)))
    let body = [UInt8](data[end.upperBound...])
    #expect(body.count == 15 * count)
    func float(_ offset: Int) -> Float {
      Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(body[offset + $1]) << (8 * $1) })
    }
    return (0..<count).map { index in
      let base = 15 * index
      return ColoredPoint(
        x: float(base), y: float(base + 4), z: float(base + 8), red: body[base + 12],
        green: body[base + 13], blue: body[base + 14])
    }
  }

  @Test("The binary PLY reads back with a Swift parser")
  func swiftReadBack() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("cloud.ply")
    try Self.makeCloud().writePLY(to: url)
    let points = try Self.parse(try Data(contentsOf: url))
    try #require(points.count == 3)
    for (ours, theirs) in zip(points, Self.expected) {
      #expect(close(ours, theirs), "\(ours) vs \(theirs)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cloud.ply"])
  }

  /// Parses the PLY with `struct` and NumPy's structured dtype, independently of our writer.
  static let readerScript = #"""
    import json, sys
    import numpy as np
    data = open(sys.argv[1], "rb").read()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    header = data[:end].decode("ascii").splitlines()
    assert header[0] == "ply" and header[1] == "format binary_little_endian 1.0", header
    count = int(next(l for l in header if l.startswith("element vertex")).split()[2])
    dtype = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"),
                      ("red", "u1"), ("green", "u1"), ("blue", "u1")])
    assert dtype.itemsize == 15 and len(data) - end == count * 15
    points = np.frombuffer(data, dtype=dtype, count=count, offset=end)
    print(json.dumps([[float(p["x"]), float(p["y"]), float(p["z"]),
                       int(p["red"]), int(p["green"]), int(p["blue"])] for p in points]))
    """#

  @Test(
    "The binary PLY reads back with NumPy",
    .enabled(if: PythonSupport.hasNumPy, PythonSupport.skipNote))
  func numpyReadBack() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("cloud.ply")
    try Self.makeCloud().writePLY(to: url)
    let output = try PythonSupport.runScript(Self.readerScript, arguments: [url.path])
    let rows = try JSONDecoder().decode([[Double]].self, from: output)
    try #require(rows.count == 3)
    for (row, theirs) in zip(rows, Self.expected) {
      let point = ColoredPoint(
        x: Float(row[0]), y: Float(row[1]), z: Float(row[2]), red: UInt8(row[3]),
        green: UInt8(row[4]), blue: UInt8(row[5]))
      #expect(close(point, theirs), "\(point) vs \(theirs)")
    }
  }
}
