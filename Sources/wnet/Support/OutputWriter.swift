import Foundation
import StereoData
import StereoDepth

/// Writes a prediction's files into a directory, each atomically.
struct OutputWriter {
  let directory: URL

  /// Writes the disparity (PFM, KITTI PNG, colour), the confidence, and with a camera the depth
  /// and optionally a point cloud. Returns the files written.
  func write(
    _ prediction: DisparityPrediction, left: Image, camera: RectifiedStereoCamera?,
    pointCloudMaximumDepth: Float?
  ) throws -> [URL] {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw CLIError("cannot create the output directory \(directory.path)")
    }
    var written: [URL] = []
    func url(_ name: String) -> URL {
      let url = directory.appendingPathComponent(name)
      written.append(url)
      return url
    }
    try ImageIO.writePFM(prediction.disparity, to: url("disparity.pfm"))
    try ImageIO.writeKITTIDisparity(prediction.disparity, to: url("disparity.png"))
    try ImageIO.writePNG(
      DisparityColorizer().colorized(prediction.disparity), to: url("disparity-color.png"))
    try ImageIO.writePNG(prediction.peakProbability, to: url("confidence.png"))
    if let camera {
      let depth = camera.depth(fromDisparity: prediction.disparity)
      try ImageIO.writePFM(depth, to: url("depth.pfm"))
      if let maximumDepth = pointCloudMaximumDepth {
        let cloud = PointCloud(
          depth: depth, colors: left, camera: camera, maximumDepth: maximumDepth)
        try cloud.writePLY(to: url("points.ply"))
      }
    }
    return written
  }
}
