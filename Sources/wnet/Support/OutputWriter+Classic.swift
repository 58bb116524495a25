import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension OutputWriter {
  /// Writes a classical matcher's disparity as ``write(_:left:camera:pointCloudMaximumDepth:)``
  /// writes the network's: PFM (`inf` where invalid), KITTI PNG (0 where invalid), colour
  /// picture (black where invalid), validity (`valid.png`: white where a disparity was found,
  /// in place of the network's confidence) and, with a camera, depth and the point cloud.
  func writeClassic(
    disparity: Image, left: Image, camera: RectifiedStereoCamera?, pointCloudMaximumDepth: Float?
  ) throws -> [URL] {
    // One set: an earlier run's depth.pfm or points.ply does not survive beside this one's.
    let set = try OutputSet(directory: directory, ownedNames: OutputWriter.ownedNames)
    func url(_ name: String) -> URL { set.url(name) }
    try ImageIO.writePFM(disparity, to: url("disparity.pfm"))
    try ImageIO.writeKITTIDisparity(disparity, to: url("disparity.png"))
    try ImageIO.writePNG(DisparityColorizer().colorized(disparity), to: url("disparity-color.png"))
    let valid = Image(
      width: disparity.width, height: disparity.height, channels: 1,
      pixels: disparity.pixels.map { $0.isFinite ? 1 : 0 })
    try ImageIO.writePNG(valid, to: url("valid.png"))
    if let camera {
      let depth = camera.depth(fromDisparity: disparity)
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
