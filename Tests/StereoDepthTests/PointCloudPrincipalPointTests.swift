import Foundation
import StereoData
import StereoDepth
import StereoTensor
import Testing

/// NumPy's back-projection of a float32 disparity map (raw, argv[1], H = argv[2], W = argv[3])
/// with fx fy cx cy B doffs (argv[4...9]): Z = fx·B/(d + doffs), X = (u − cx)·Z/fx,
/// Y = (v − cy)·Z/fy over finite d with d + doffs > 0, row-major; prints float64 x y z rows raw.
private let backProjectionScript = """
  import sys, numpy as np
  h, w = int(sys.argv[2]), int(sys.argv[3])
  fx, fy, cx, cy, b, doffs = map(float, sys.argv[4:10])
  d = np.fromfile(sys.argv[1], "<f4").reshape(h, w).astype(np.float64)
  v, u = np.mgrid[0:h, 0:w].astype(np.float64)
  keep = np.isfinite(d) & (d + doffs > 0)
  z = fx * b / (d[keep] + doffs)
  points = np.stack([(u[keep] - cx) * z / fx, (v[keep] - cy) * z / fy, z], 1)
  sys.stdout.buffer.write(points.astype("<f8").tobytes())
  """

@Suite("Point clouds with a full camera model")
struct PointCloudPrincipalPointTests {
  @Test(
    "PLY of an off-centre principal point and fx ≠ fy matches NumPy within 1e-4 relative",
    .enabled(if: PythonSupport.hasNumPy, PythonSupport.skipNote))
  func matchesNumPyBackProjection() throws {
    let (width, height) = (48, 32)
    var generator = SeededGenerator(seed: 4)
    var disparity = Image(width: width, height: height, channels: 1)
    for index in disparity.pixels.indices {
      disparity.pixels[index] =
        index % 17 == 0 ? .infinity : Float.random(in: 1...60, using: &generator)
    }
    let (fx, fy, cx, cy, baseline, doffs): (Float, Float, Float, Float, Float, Float) =
      (612.5, 598.25, 9.75, 27.5, 0.12, 3.5)
    let camera = RectifiedStereoCamera(
      focalLength: fx, focalLengthY: fy, principalPointX: cx, principalPointY: cy,
      baseline: baseline, disparityOffset: doffs)
    let colors = Image(width: width, height: height, channels: 3, repeating: 0.5)
    let cloud = PointCloud(disparity: disparity, colors: colors, camera: camera)
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let plyURL = folder.appendingPathComponent("points.ply")
    try cloud.writePLY(to: plyURL)
    let rawURL = folder.appendingPathComponent("disparity.raw")
    var bytes = Data()
    for value in disparity.pixels {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    try bytes.write(to: rawURL)
    let output = try PythonSupport.runScript(
      backProjectionScript,
      arguments: [rawURL.path, "\(height)", "\(width)"]
        + [fx, fy, cx, cy, baseline, doffs].map { "\($0)" })
    let expected: [Double] = output.withUnsafeBytes { raw in
      (0..<(output.count / 8)).map {
        let bits = raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)
        return Double(bitPattern: UInt64(littleEndian: bits))
      }
    }
    // Read the PLY's vertices back: 15 bytes each after the header.
    let data = try Data(contentsOf: plyURL)
    let marker = Data("end_header\n".utf8)
    let headerEnd = try #require(data.range(of: marker)).upperBound
    let count = (data.count - headerEnd) / 15
    try #require(
      count * 3 == expected.count, "PLY has \(count) points, NumPy \(expected.count / 3)")
    var worst = 0.0
    for point in 0..<count {
      for axis in 0..<3 {
        let offset = headerEnd + point * 15 + axis * 4
        let bits = data[offset..<(offset + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        let value = Double(Float(bitPattern: UInt32(littleEndian: bits)))
        let reference = expected[point * 3 + axis]
        worst = max(worst, abs(value - reference) / max(abs(reference), 1e-3))
      }
    }
    #expect(worst < 1e-4, "largest relative difference \(worst)")
    // Not the centred model: with cx at the image centre (23.5) the first point (u = 1, pixel 0
    // is unknown) would sit (23.5 − 9.75)·Z/fx further left.
    let first = try #require(cloud.points.first)
    #expect(abs(Double(first.x) - (1 - 23.5) * Double(first.z) / Double(fx)) > 0.01)
  }
}
