import ArgumentParser
import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Estimate disparity (and depth, confidence, a point cloud) for a rectified stereo pair.",
      discussion: """
        Writes DIR/disparity.pfm (float32 left-view disparity in input pixels, Middlebury PFM), \
        DIR/disparity.png (KITTI 16-bit, value = d·256), DIR/disparity-color.png and \
        DIR/confidence.png (peak probability of the disparity distribution). With a calibration, \
        also DIR/depth.pfm in metres (Z = f·B/(d + doffs)), and with --ply a coloured point cloud. \
        With --video, reads a side-by-side or top-bottom 3D video and writes --output as a video \
        (.mp4 or .gif) of the left view beside its colour-coded disparity.
        """)

    @Argument(help: "The left and right views (PNG or JPEG), the same size.")
    var views: [String] = []

    @Option(help: "A 3D video to process instead of two images.")
    var video: String?

    @Option(help: "How the video packs its views: sbs, half-sbs, tb or half-tb (left eye first).")
    var layout: StereoVideoLayout?

    @Option(
      name: .customLong("fps"),
      help: "Frames per second to take from the video (default: all of them).")
    var framesPerSecond: Double?

    @Option(
      help: "Test-time adaptation: this many self-supervised steps on the pair before inferring.")
    var adapt = 0

    @Option(help: "Adam's learning rate for --adapt.")
    var adaptLearningRate: Float = 5e-4

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The output directory (or, with --video, the output video file).")
    var output = "wnet-output"

    @Option(
      help:
        "The largest disparity expected, in input pixels; the pair is scaled so that it fits the model's candidates (default: the training set's share of the image width)."
    )
    var maxDisparity: Float?

    @OptionGroup var calibration: CalibrationOptions

    @OptionGroup(title: "Classical matcher") var classic: ClassicMatcherOptions

    @Flag(help: "Write a binary PLY point cloud (needs a calibration).")
    var ply = false

    @Option(help: "Leave out points farther than this many metres from the PLY.")
    var maxDepth: Float = 100

    func validate() throws {
      if video == nil && views.count != 2 {
        throw ValidationError("Give the left and right views, or '--video FILE --layout L'.")
      }
      if video != nil && !views.isEmpty {
        throw ValidationError("Give either two views or '--video', not both.")
      }
      if video != nil && layout == nil {
        throw ValidationError("'--video' needs '--layout' (sbs, half-sbs, tb or half-tb).")
      }
      if let framesPerSecond, !(framesPerSecond > 0) {
        throw ValidationError("'--fps' must be positive.")
      }
      guard adapt >= 0, adaptLearningRate > 0 else {
        throw ValidationError("'--adapt' must be non-negative and its learning rate positive.")
      }
      if let maxDisparity, !(maxDisparity > 0 && maxDisparity.isFinite) {
        throw ValidationError("'--max-disparity' must be positive and finite.")
      }
      guard maxDepth > 0 else { throw ValidationError("'--max-depth' must be positive.") }
      try calibration.validate()
      try classic.validate()
      if classic.method == .sgbm && (video != nil || adapt > 0) {
        throw ValidationError("'--method sgbm' takes two views, without '--adapt'.")
      }
    }

    func run() throws {
      if let video { return try runVideo(URL(fileURLWithPath: video)) }
      let (left, right) = (views[0], views[1])
      var leftImage = try ImageIO.readColor(URL(fileURLWithPath: left))
      var rightImage = try ImageIO.readColor(URL(fileURLWithPath: right))
      guard leftImage.width == rightImage.width, leftImage.height == rightImage.height else {
        throw CLIError(
          "\(left) is \(leftImage.width)x\(leftImage.height) but \(right) is \(rightImage.width)x\(rightImage.height); the views of a rectified pair must have the same size"
        )
      }
      let rig = try calibration.rig()
      (leftImage, rightImage) = try Self.rectifiedIfRaw(leftImage, rightImage, rig: rig)
      let camera = try calibration.camera(
        width: leftImage.width, height: leftImage.height, rig: rig)
      if ply && camera == nil {
        throw CLIError("--ply needs a calibration: --focal and --baseline, or --calibration FILE")
      }
      if classic.method == .sgbm { return try runClassic(leftImage, rightImage, camera: camera) }
      let (model, metadata) = try modelOptions.load()
      let estimator = DisparityEstimator(model: model, metadata: metadata)
      let start = Date()
      let adaptation =
        adapt > 0
        ? TestTimeAdaptation(
          steps: adapt, learningRate: adaptLearningRate, loss: metadata.training?.loss,
          progress: AdaptationProgress.lines(label: "the pair")) : nil
      let prediction = try estimator.predict(
        left: leftImage, right: rightImage, maximumDisparity: maxDisparity, adaptation: adaptation)
      let seconds = Date().timeIntervalSince(start)
      if let losses = prediction.adaptationLosses {
        print(
          String(
            format: "Adapted %d steps: self-supervised loss %.4f → %.4f.", adapt, losses.before,
            losses.after))
      }
      let directory = URL(fileURLWithPath: output)
      let written = try OutputWriter(directory: directory).write(
        prediction, left: leftImage, camera: camera, pointCloudMaximumDepth: ply ? maxDepth : nil)
      print(
        String(
          format: "Disparity for %dx%d (network at %dx%d) in %.0f ms.", leftImage.width,
          leftImage.height, prediction.workingWidth, prediction.workingHeight, seconds * 1000))
      for url in written { print("  \(url.path)") }
    }

    /// Disparity for every frame of a 3D video, written as a video of the left view beside the
    /// colour-coded disparity (one fixed colour range, so colours mean the same in every frame).
    func runVideo(_ url: URL) throws {
      guard let layout else { throw CLIError("--video needs --layout") }
      let info = try VideoInfo.probe(url)
      let rate = framesPerSecond ?? info.framesPerSecond
      let reader = try VideoFrameReader(url: url, layout: layout, framesPerSecond: rate, info: info)
      defer { reader.close() }
      let (model, metadata) = try modelOptions.load()
      let estimator = DisparityEstimator(model: model, metadata: metadata)
      var writer: VideoWriter?
      var colorizer = DisparityColorizer()
      var bar = ProgressBar(total: max(reader.expectedFrameCount ?? 1, 1))
      let start = Date()
      var inferenceSeconds = 0.0
      while let frame = try reader.next() {
        let (left, right) = frame.views()
        let began = Date()
        let prediction = try estimator.predict(
          left: left, right: right, maximumDisparity: maxDisparity)
        inferenceSeconds += Date().timeIntervalSince(began)
        if writer == nil {
          // Candidates up to the model's largest, in input pixels.
          let top = Float(model.configuration.maximumDisparity) * prediction.disparityScale
          colorizer = DisparityColorizer(
            range: .fixed(
              minimum: max(
                0, Float(model.configuration.minimumDisparity) * prediction.disparityScale),
              maximum: top))
          writer = try VideoWriter(
            url: URL(fileURLWithPath: output), width: 2 * left.width, height: left.height,
            framesPerSecond: rate)
        }
        let colored = colorizer.colorized(prediction.disparity)
        var joined = Image(width: 2 * left.width, height: left.height, channels: 3)
        for y in 0..<left.height {
          let row = y * left.width * 3
          joined.pixels.replaceSubrange(
            (2 * row)..<(2 * row + left.width * 3), with: left.pixels[row..<(row + left.width * 3)])
          joined.pixels.replaceSubrange(
            (2 * row + left.width * 3)..<(2 * row + 2 * left.width * 3),
            with: colored.pixels[row..<(row + left.width * 3)])
        }
        try writer!.append(joined)
        let done = writer!.frameCount
        bar.update(
          min(done, bar.total),
          String(
            format: "%.1f frames/s (network %.1f)", Double(done) / Date().timeIntervalSince(start),
            Double(done) / inferenceSeconds))
      }
      guard let writer, writer.frameCount > 0 else { throw CLIError("\(url.path) gave no frames") }
      try writer.finish()
      print(
        String(
          format:
            "%d frames in %.1f s: %.1f frames/s end to end, %.1f frames/s for the network alone (at %dx%d).",
          writer.frameCount, Date().timeIntervalSince(start),
          Double(writer.frameCount) / Date().timeIntervalSince(start),
          Double(writer.frameCount) / inferenceSeconds,
          estimator.workingSize(
            width: writer.width / 2, height: writer.height, maximumDisparity: maxDisparity
          ).width,
          estimator.workingSize(
            width: writer.width / 2, height: writer.height, maximumDisparity: maxDisparity
          ).height))
      print("  \(writer.url.path)")
    }
  }
}
