import Foundation
import StereoData
import StereoTensor

/// Writes one pair's disparity and what follows from it into a folder, each file atomically.
///
/// Always: `disparity.pfm` (float32, input pixels, Middlebury PFM, `inf` where unknown),
/// `disparity.png` (KITTI 16-bit, `round(d · 256)`, 0 where unknown), `disparity-color.png`
/// (turbo colour map) and a confidence picture (`confidence.png`, the network's
/// ``DisparityPrediction/confidence``; `valid.png`, white where a disparity was found, for a
/// classical matcher).
/// With ``Formats/numpy``: `disparity.npy` (float32 `(H, W)`, ``NumPyArray``).
/// With a camera: `depth.pfm` in metres (`Z = f·B / (d + doffs)`), `depth.npy` with
/// ``Formats/numpy``, `depth.png` with ``Formats/depthMillimetres`` (16-bit millimetres, 0 =
/// unknown, ``ImageIO/writeDepthMillimetres(_:to:)``), and `points.ply` with a point-cloud depth
/// limit.
public struct PredictionWriter: Sendable {
  /// Optional files.
  public struct Formats: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `disparity.npy` and (with a camera) `depth.npy`.
    public static let numpy = Formats(rawValue: 1)
    /// `depth.png`: 16-bit depth in millimetres (needs a camera).
    public static let depthMillimetres = Formats(rawValue: 2)
  }

  /// The folder written into (created with its parents when missing).
  public var directory: URL
  /// Optional files to add.
  public var formats: Formats
  /// The rectified left camera, for depth and points; `nil` for disparity only.
  public var camera: RectifiedStereoCamera?
  /// With a camera, write `points.ply` keeping points nearer than this many metres.
  public var pointCloudMaximumDepth: Float?

  /// Every file a writer may put in its folder: those a run does not write are removed as stale.
  public static let ownedNames: Set<String> = [
    "disparity.pfm", "disparity.png", "disparity-color.png", "confidence.png", "valid.png",
    "disparity.npy", "depth.pfm", "depth.npy", "depth.png", "points.ply",
  ]

  /// Creates a writer.
  public init(
    directory: URL, formats: Formats = [], camera: RectifiedStereoCamera? = nil,
    pointCloudMaximumDepth: Float? = nil
  ) {
    self.directory = directory
    self.formats = formats
    self.camera = camera
    self.pointCloudMaximumDepth = pointCloudMaximumDepth
  }

  /// Writes the network's prediction; `left` (RGB) colours the point cloud. Returns the files.
  ///
  /// The disparity written is ``DisparityPrediction/validDisparity``: with an invalid-pixel rule,
  /// its rejected pixels are unknown in every file (PFM `inf`, PNG 0, black, depth NaN, no
  /// point), as a classical matcher's; `confidence.png` is ``DisparityPrediction/confidence``.
  ///
  /// - Throws: ``StereoDataError`` when the folder or a file cannot be written.
  @discardableResult
  public func write(_ prediction: DisparityPrediction, left: Image) throws -> [URL] {
    try write(
      disparity: prediction.validDisparity, confidence: prediction.confidence,
      confidenceName: "confidence.png", left: left)
  }

  /// Writes a classical matcher's disparity (`inf` where it found none), with `valid.png` in
  /// place of the confidence. Returns the files.
  ///
  /// - Throws: ``StereoDataError`` when the folder or a file cannot be written.
  @discardableResult
  public func writeClassic(disparity: Image, left: Image) throws -> [URL] {
    let valid = Image(
      width: disparity.width, height: disparity.height, channels: 1,
      pixels: disparity.pixels.map { $0.isFinite ? 1 : 0 })
    return try write(
      disparity: disparity, confidence: valid, confidenceName: "valid.png", left: left)
  }

  private func write(disparity: Image, confidence: Image, confidenceName: String, left: Image)
    throws -> [URL]
  {
    // One set (``OutputSet``): files are staged, then moved into place together, and an
    // earlier run's files that this one does not write (a stale depth.pfm) are removed.
    let set: OutputSet
    do {
      set = try OutputSet(directory: directory, ownedNames: Self.ownedNames)
    } catch {
      throw StereoDataError(.unwritable, directory, "cannot create the output folder")
    }
    defer { set.discard() }
    func url(_ name: String) -> URL { set.url(name) }
    try ImageIO.writePFM(disparity, to: url("disparity.pfm"))
    try ImageIO.writeKITTIDisparity(disparity, to: url("disparity.png"))
    // The pictures at zlib level 1: the same pixels, 3-4x less compression time than level 6
    // (zlib was a quarter of the CPU of a many-pair run; BENCHMARKS.md), files ~20% larger.
    try ImageIO.writePNG(
      DisparityColorizer().colorized(disparity), to: url("disparity-color.png"),
      compressionLevel: 1)
    try ImageIO.writePNG(confidence, to: url(confidenceName), compressionLevel: 1)
    if formats.contains(.numpy) { try NumPyArray.write(disparity, to: url("disparity.npy")) }
    guard let camera else { return try set.commit() }
    let depth = camera.depth(fromDisparity: disparity)
    try ImageIO.writePFM(depth, to: url("depth.pfm"))
    if formats.contains(.numpy) { try NumPyArray.write(depth, to: url("depth.npy")) }
    if formats.contains(.depthMillimetres) {
      try ImageIO.writeDepthMillimetres(depth, to: url("depth.png"))
    }
    if let maximumDepth = pointCloudMaximumDepth {
      let cloud = PointCloud(depth: depth, colors: left, camera: camera, maximumDepth: maximumDepth)
      try cloud.writePLY(to: url("points.ply"))
    }
    return try set.commit()
  }
}
