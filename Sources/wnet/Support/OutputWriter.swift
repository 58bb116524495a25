import Foundation
import StereoData
import StereoDepth
import StereoTensor

/// Writes a prediction's files into a directory as one set (``OutputSet``).
struct OutputWriter {
  let directory: URL

  /// The files an inference writes, by either method; those not written this time are removed.
  static let ownedNames: Set<String> = [
    "disparity.pfm", "disparity.png", "disparity-color.png", "confidence.png", "valid.png",
    "depth.pfm", "points.ply",
  ]

  /// Writes the disparity (PFM, KITTI PNG, colour), the confidence, and with a camera the depth
  /// and optionally a point cloud. Returns the files written.
  func write(
    _ prediction: DisparityPrediction, left: Image, camera: RectifiedStereoCamera?,
    pointCloudMaximumDepth: Float?
  ) throws -> [URL] {
    // One set: an earlier run's depth.pfm or points.ply does not survive beside this one's.
    let set = try OutputSet(directory: directory, ownedNames: OutputWriter.ownedNames)
    func url(_ name: String) -> URL { set.url(name) }
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
    return try set.commit()
  }
}
