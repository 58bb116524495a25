import ArgumentParser
import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Estimate disparity (and depth, confidence, a point cloud) for a rectified stereo pair.",
      discussion: """
        Writes DIR/disparity.pfm (float32 left-view disparity in input pixels, Middlebury PFM), \
        DIR/disparity.png (KITTI 16-bit, value = d·256), DIR/disparity-color.png and \
        DIR/confidence.png (peak probability of the disparity distribution). With a calibration, \
        also DIR/depth.pfm in metres (Z = f·B/(d + doffs)), and with --ply a coloured point cloud.
        """)

    @Argument(help: "The left view (PNG or JPEG).")
    var left: String

    @Argument(help: "The right view, the same size.")
    var right: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The output directory.")
    var output = "wnet-output"

    @Option(help: "The largest disparity expected, in input pixels; the pair is scaled so that it fits the model's candidates (default: the training set's share of the image width).")
    var maxDisparity: Float?

    @OptionGroup var calibration: CalibrationOptions

    @Flag(help: "Write a binary PLY point cloud (needs a calibration).")
    var ply = false

    @Option(help: "Leave out points farther than this many metres from the PLY.")
    var maxDepth: Float = 100

    func validate() throws {
      if let maxDisparity, !(maxDisparity > 0) { throw ValidationError("'--max-disparity' must be positive.") }
      guard maxDepth > 0 else { throw ValidationError("'--max-depth' must be positive.") }
      try calibration.validate()
    }

    func run() throws {
      let leftImage = try ImageIO.readColor(URL(fileURLWithPath: left))
      let rightImage = try ImageIO.readColor(URL(fileURLWithPath: right))
      guard leftImage.width == rightImage.width, leftImage.height == rightImage.height else {
        throw CLIError("\(left) is \(leftImage.width)x\(leftImage.height) but \(right) is \(rightImage.width)x\(rightImage.height); the views of a rectified pair must have the same size")
      }
      let camera = try calibration.camera(width: leftImage.width, height: leftImage.height)
      if ply && camera == nil {
        throw CLIError("--ply needs a calibration: --focal and --baseline, or --calibration FILE")
      }
      let (model, metadata) = try modelOptions.load()
      let estimator = DisparityEstimator(model: model, defaultDisparityFraction: metadata.disparityWidthFraction)
      let start = Date()
      let prediction = try estimator.predict(left: leftImage, right: rightImage, maximumDisparity: maxDisparity)
      let seconds = Date().timeIntervalSince(start)
      let directory = URL(fileURLWithPath: output)
      let written = try OutputWriter(directory: directory).write(prediction, left: leftImage, camera: camera, pointCloudMaximumDepth: ply ? maxDepth : nil)
      print(String(format: "Disparity for %dx%d (network at %dx%d) in %.0f ms.", leftImage.width, leftImage.height, prediction.workingWidth, prediction.workingHeight, seconds * 1000))
      for url in written { print("  \(url.path)") }
    }
  }
}
