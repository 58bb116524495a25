import Foundation
import StereoData
import StereoTensor

/// A coloured 3-D point: position in the left camera frame and an 8-bit sRGB colour.
public struct ColoredPoint: Sendable, Equatable {
  /// Right.
  public var x: Float
  /// Down.
  public var y: Float
  /// Forward (depth).
  public var z: Float
  /// Red, 0…255.
  public var red: UInt8
  /// Green, 0…255.
  public var green: UInt8
  /// Blue, 0…255.
  public var blue: UInt8

  /// Creates a point.
  public init(x: Float, y: Float, z: Float, red: UInt8, green: UInt8, blue: UInt8) {
    self.x = x
    self.y = y
    self.z = z
    self.red = red
    self.green = green
    self.blue = blue
  }
}

/// Coloured points back-projected from a depth map, written as binary PLY.
///
/// Pixel `(u, v)` (column, row; pixel centres at integers) with depth `Z` becomes
/// `X = (u − cx)·Z/fx, Y = (v − cy)·Z/fy, Z` (see ``RectifiedStereoCamera``), coloured by the
/// image at that pixel. Pixels with unknown depth, `Z ≤ 0`, or `Z > maximumDepth` are left out,
/// in row-major order otherwise.
public struct PointCloud: Sendable, Equatable {
  /// The points.
  public var points: [ColoredPoint]

  /// Creates a cloud from its points.
  public init(points: [ColoredPoint]) {
    self.points = points
  }

  /// Back-projects a depth map.
  ///
  /// - Parameters:
  ///   - depth: `[H, W, 1]` depth in the units of the camera's baseline; unknown non-finite.
  ///   - colors: `[H, W, 3]` RGB or `[H, W, 1]` grey in [0, 1] (clamped), quantised to
  ///     `round(255·value)`.
  ///   - camera: The left camera.
  ///   - maximumDepth: Points farther than this are left out (far points from small disparities
  ///     are the least accurate).
  public init(
    depth: Image, colors: Image, camera: RectifiedStereoCamera, maximumDepth: Float = .infinity
  ) {
    precondition(depth.channels == 1, "A depth map has 1 channel, got \(depth.channels)")
    precondition(
      colors.width == depth.width && colors.height == depth.height
        && (colors.channels == 3 || colors.channels == 1),
      "Colours are \(colors.width)x\(colors.height)x\(colors.channels), depth \(depth.width)x\(depth.height)x1"
    )
    func byte(_ value: Float) -> UInt8 {
      value.isFinite ? UInt8((255 * min(max(value, 0), 1)).rounded()) : 0
    }
    var points: [ColoredPoint] = []
    for v in 0..<depth.height {
      for u in 0..<depth.width {
        let z = depth[v, u, 0]
        guard z.isFinite && z > 0 && z <= maximumDepth else { continue }
        let position = camera.point(u: Float(u), v: Float(v), depth: z)
        let grey = colors.channels == 1
        points.append(
          ColoredPoint(
            x: position.x, y: position.y, z: position.z, red: byte(colors[v, u, 0]),
            green: byte(colors[v, u, grey ? 0 : 1]), blue: byte(colors[v, u, grey ? 0 : 2])))
      }
    }
    self.points = points
  }

  /// Back-projects a disparity map.
  ///
  /// Depth comes first, `Z = fx·B / (d + doffs)` (unknown where `d + doffs ≤ 0`, see
  /// ``RectifiedStereoCamera``), then points as ``init(depth:colors:camera:maximumDepth:)``.
  ///
  /// - Parameters:
  ///   - disparity: `[H, W, 1]` disparity of the left view, in pixels; unknown non-finite.
  ///   - colors: `[H, W, 3]` or `[H, W, 1]` in [0, 1], usually the left view.
  ///   - camera: The left camera.
  ///   - maximumDepth: Points farther than this are left out.
  public init(
    disparity: Image, colors: Image, camera: RectifiedStereoCamera,
    maximumDepth: Float = .infinity
  ) {
    self.init(
      depth: camera.depth(fromDisparity: disparity), colors: colors, camera: camera,
      maximumDepth: maximumDepth)
  }

  /// The cloud as a binary little-endian PLY file.
  ///
  /// One `vertex` element with properties `float x, float y, float z, uchar red, uchar green,
  /// uchar blue`: 15 bytes per point after an ASCII header ending in `end_header\n`.
  public func plyData() -> Data {
    let header = """
      ply
      format binary_little_endian 1.0
      comment WNet point cloud: left camera frame, x right, y down, z forward
      element vertex \(points.count)
      property float x
      property float y
      property float z
      property uchar red
      property uchar green
      property uchar blue
      end_header

      """
    var data = Data(header.utf8)
    data.reserveCapacity(data.count + 15 * points.count)
    for point in points {
      for value in [point.x, point.y, point.z] {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
      data.append(contentsOf: [point.red, point.green, point.blue])
    }
    return data
  }

  /// Writes ``plyData()`` to `url` atomically.
  ///
  /// - Throws: ``AtomicFile/WriteError`` when the file cannot be written.
  public func writePLY(to url: URL) throws {
    try AtomicFile.write(plyData(), to: url)
  }
}
