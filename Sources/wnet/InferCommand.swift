import ArgumentParser
import Foundation
import StereoClassic
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Estimate disparity (and depth, confidence, a point cloud) for a rectified stereo pair.",
      discussion: """
        Writes DIR/disparity.pfm (float32 left-view disparity in input pixels, Middlebury \
        PFM), DIR/disparity.png (KITTI 16-bit, value = d·256), DIR/disparity-color.png and \
        DIR/confidence.png (peak probability times exp(-e/t), e the left-right disagreement, t \
        --lr-threshold). By default, pixels failing the left-right check are unknown in every \
        file (PFM inf, PNG 0, black, no depth or point): a robot should not act on them. Those \
        whose neighbours of their colour propose a value that passes the check take it \
        (--no-fill-holes: none do). --dense keeps every pixel (and skips the check, which costs time). --video and --stream \
        are always dense. With a calibration, also DIR/depth.pfm in metres \
        (Z = f·B/(d + doffs)), and with --ply a coloured point cloud; --npy and --depth-png add \
        NumPy arrays and a 16-bit millimetre depth PNG. Many pairs (two folders, a folder with \
        left/ and right/, or --list) run in one process with decoding, inference and writing \
        overlapped, each pair's files in DIR/<name>/; a failing pair is skipped and the exit \
        status is then 1. With --video, reads a side-by-side or top-bottom 3D video and writes \
        --output as a video (.mp4 or .gif) of the left view beside its colour-coded disparity.

        Examples:
          wnet infer l.png r.png --focal 720 --baseline 0.54 --npy -o out
          wnet infer LEFT_DIR RIGHT_DIR -o out
          wnet infer --video movie.mkv --layout sbs -o depth.mp4
        """)

    @Argument(
      help: """
        The left and right views (PNG, JPEG, TIFF, PPM/PGM), the same size; or two folders of views \
        with matching names; or one folder holding left/ and right/ (what 'wnet extract' \
        writes).
        """)
    var views: [String] = []

    @Option(
      help: """
        A file listing pairs, one a line: 'LEFT RIGHT [NAME]' (paths relative to the file; \
        '#' starts a comment).
        """)
    var list: String?

    @Option(help: "A 3D video to process instead of two images.")
    var video: String?

    @Flag(
      help: """
        Read raw packed frames (ffmpeg -f rawvideo -pix_fmt rgb24 -) from standard input, with \
        --frame-size and --layout; write colour-coded disparity frames to the video -o FILE, or \
        with -o - float32 disparity maps to standard output (16-byte header 'WNETDSP1', width, \
        height as little-endian UInt32, then W·H float32 per frame). Prints latency and fps.
        """)
    var stream = false

    @Option(help: "With --stream: the packed frame's size, WIDTHxHEIGHT (e.g. 1280x480).")
    var frameSize: String?

    @Option(help: "How the video packs its views: sbs, half-sbs, tb or half-tb (left eye first).")
    var layout: StereoVideoLayout?

    @Option(
      name: .customLong("fps"),
      help: "Frames per second to take from the video (default: all of them).")
    var framesPerSecond: Double?

    @OptionGroup(title: "Test-time adaptation") var adaptation: AdaptationOptions

    /// `--adapt`.
    var adapt: Int { adaptation.adapt }

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var precision: PrecisionOptions

    @Option(
      name: .shortAndLong,
      help: """
        The output folder (default: wnet-output); with many pairs, each pair's files go to \
        OUTPUT/<name>/. With --video, the output video file (default: wnet-output.mp4).
        """)
    var output: String?

    @OptionGroup(title: "Output files") var files: OutputFileOptions

    @OptionGroup(title: "Invalid pixels") var invalid: InvalidPixelOptions

    @OptionGroup(title: "Resolution") var resolution: UpscaleOptions

    @Option(
      help: """
        With --video: also write each frame's files (as for a pair) to DIR/<frame>/, frames \
        numbered from 000000.
        """)
    var framesOutput: String?

    @Option(
      help:
        "The largest disparity expected, in input pixels; a pair whose disparities exceed the model's candidates is shrunk to fit them (realtime and original: default the training set's share of the image width; matching: 0...255 at the input's own size, no default); it also bounds matching's coarse search (--no-bounded-search: not)."
    )
    var maxDisparity: Float?

    @OptionGroup var calibration: CalibrationOptions

    @OptionGroup(title: "Classical matcher") var classic: ClassicMatcherOptions

    @Flag(help: "Write a binary PLY point cloud (needs a calibration).")
    var ply = false

    @Option(help: "Leave out points farther than this many metres from the PLY.")
    var maxDepth: Float = Self.defaultMaximumDepth

    /// `--max-depth`'s default, in metres.
    static let defaultMaximumDepth: Float = 100

    func validate() throws {
      let inputs =
        (views.isEmpty ? 0 : 1) + (list == nil ? 0 : 1) + (video == nil ? 0 : 1) + (stream ? 1 : 0)
      if inputs != 1 {
        throw ValidationError(
          "Give the left and right views (files or folders), one folder holding left/ and "
            + "right/, '--list FILE', '--video FILE --layout L' or '--stream': one of them.")
      }
      if stream {
        guard layout != nil, let frameSize, Self.parseSize(frameSize) != nil else {
          throw ValidationError(
            "'--stream' needs '--layout' and '--frame-size WIDTHxHEIGHT' (e.g. 1280x480).")
        }
      }
      if frameSize != nil && !stream {
        throw ValidationError("'--frame-size' goes with '--stream'.")
      }
      if !views.isEmpty && views.count > 2 {
        throw ValidationError("Give at most two views (or two folders); got \(views.count).")
      }
      if framesOutput != nil && video == nil {
        throw ValidationError("'--frames-output' goes with '--video'.")
      }
      if video != nil && layout == nil && !stream {
        throw ValidationError("'--video' needs '--layout' (sbs, half-sbs, tb or half-tb).")
      }
      if let framesPerSecond, !(framesPerSecond > 0) {
        throw ValidationError("'--fps' must be positive.")
      }
      try adaptation.validate()
      if let maxDisparity, !(maxDisparity > 0 && maxDisparity.isFinite) {
        throw ValidationError("'--max-disparity' must be positive and finite.")
      }
      guard maxDepth > 0 else { throw ValidationError("'--max-depth' must be positive.") }
      try calibration.validate()
      try classic.validate()
      try classic.validate(maximumDisparity: maxDisparity)
      try invalid.validate()
      if classic.method == .sgbm && invalid.dense {
        throw ValidationError(
          "'--dense' applies to the network; '--method sgbm' fills its unknown pixels with "
            + "'--fill'.")
      }
      // The marked map's settings, fill and padding: the network's marked map alone reads them.
      if let option = invalid.ruleOption ?? invalid.fillOption ?? invalid.paddingOption,
        video != nil || stream || classic.method == .sgbm
      {
        throw ValidationError(
          "'\(option)' shapes the network's marked map: not with '--video', '--stream' (always "
            + "dense) or '--method sgbm'.")
      }
      if classic.method == .sgbm && (video != nil || adapt > 0 || list != nil || views.count != 2) {
        throw ValidationError("'--method sgbm' takes two views, without '--adapt'.")
      }
      if classic.method == .sgbm, let option = modelOptions.givenOption ?? precision.givenOption {
        throw ValidationError("'\(option)' sets the network: not with '--method sgbm'.")
      }
      if video == nil && !stream {
        if layout != nil { throw ValidationError("'--layout' goes with '--video' or '--stream'.") }
        if framesPerSecond != nil {
          throw ValidationError("'--fps' goes with '--video' or '--stream'.")
        }
      }
      for (option, given) in [("--ply", ply), ("--depth-png", files.depthPng)]
      where given && calibration.givenOption == nil {
        throw ValidationError(
          "'\(option)' needs a calibration: '--focal' and '--baseline', or '--calibration FILE'.")
      }
      if maxDepth != Self.defaultMaximumDepth && !ply {
        throw ValidationError("'--max-depth' sets the point cloud: it goes with '--ply'.")
      }
      let fileOptions: [String] =
        (ply ? ["--ply"] : []) + (files.npy ? ["--npy"] : [])
        + (files.depthPng ? ["--depth-png"] : [])
      if stream, let option = calibration.givenOption ?? fileOptions.first {
        throw ValidationError(
          "'\(option)': '--stream' writes disparity only (a video, or float32 maps with -o -; "
            + "depth is f·B/(d + doffs)); give pairs or '--video' with '--frames-output' for "
            + "files and depth.")
      }
      let frameFileOptions: [String] = (calibration.focal != nil ? ["--focal"] : []) + fileOptions
      if video != nil && framesOutput == nil, let option = frameFileOptions.first {
        throw ValidationError(
          "'\(option)' writes each frame's files: with '--video' it needs '--frames-output DIR'.")
      }
      try resolution.validate()
      if resolution.isSet && (classic.method == .sgbm || video != nil || stream) {
        throw ValidationError(
          "'--upscale' and '--finest-scale' apply to the model on pairs, without '--video' or '--stream'."
        )
      }
      try resolution.validate(adapt: adapt)
    }

    func run() throws {
      // Folders and lists are read once, here: a single pair (two image files, no stream or
      // video) takes `--precision auto`'s choice for one pair
      // (`Backends.defaultInferencePrecision(singlePair:)`).
      let onPairs = video == nil && !stream
      let pairs = onPairs ? try Self.pairs(views: views, list: list) : nil
      try precision.run(singlePair: onPairs && pairs == nil) {
        try runInPrecision(pairs: pairs)
      }
    }

    /// The run on `pairs` (``pairs(views:list:)``'s; `nil` for a video, a stream or one pair).
    private func runInPrecision(pairs: [NamedStereoPair]?) throws {
      if let video { return try runVideo(URL(fileURLWithPath: video)) }
      if stream { return try runStream() }
      if let pairs {
        guard classic.method != .sgbm else {
          throw CLIError("--method sgbm takes two image files, not folders or a list")
        }
        return try runMany(pairs)
      }
      let (left, right) = (views[0], views[1])
      if classic.method == .sgbm { SemiGlobalMatcher.warmUpInBackground() }
      // The process must not exit, an error included, while OpenCV's pool is still starting.
      defer { SemiGlobalMatcher.waitForWarmUp() }
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
      if classic.method == .sgbm { return try runClassic(leftImage, rightImage, camera: camera) }
      let (model, metadata) = try modelOptions.load()
      let estimator = modelOptions.estimator(model, metadata)
      let start = Date()
      let adaptation = try self.adaptation.adaptation(metadata: metadata, label: "the pair")
      let prediction: DisparityPrediction
      do {
        prediction = try estimator.predict(
          left: leftImage, right: rightImage, maximumDisparity: maxDisparity,
          adaptation: adaptation, invalidPixels: invalid.rule, compactMemory: true,
          upscale: resolution.rule)
      } catch let error as InferenceError {
        // The library's one line does not know the files: name them.
        throw CLIError("\(left), \(right): \(error.description)")
      }
      let seconds = Date().timeIntervalSince(start)
      if let losses = prediction.adaptationLosses {
        print(
          String(
            format: "Adapted %d steps: self-supervised loss %.4f → %.4f.", adapt, losses.before,
            losses.after))
      }
      if !prediction.upscaleTrials.isEmpty {
        print(UpscaleOptions.summary(prediction))
      }
      let written = try writer(outputFolder, camera: camera).write(prediction, left: leftImage)
      print(
        String(
          format: "Disparity for %dx%d (network at %dx%d) in %.0f ms.", leftImage.width,
          leftImage.height, prediction.workingWidth, prediction.workingHeight, seconds * 1000))
      if prediction.invalidPixelRule != nil {
        print(
          String(
            format: "%.1f%% of pixels valid (left-right check; --dense keeps them all).",
            100 * prediction.density))
      }
      for url in written { print("  \(url.path)") }
    }

    /// `--output` as a folder (the default `wnet-output`).
    var outputFolder: URL { URL(fileURLWithPath: output ?? "wnet-output") }

    /// The library writer for the files asked for, into `directory`.
    func writer(_ directory: URL, camera: RectifiedStereoCamera?) -> PredictionWriter {
      PredictionWriter(
        directory: directory, formats: files.formats, camera: camera,
        pointCloudMaximumDepth: ply ? maxDepth : nil)
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
      let estimator = modelOptions.estimator(model, metadata)
      // A raw rig's frames are rectified (the maps built once, for the first frame's size), and
      // each frame's files get depth and points with a calibration, as a pair's do.
      let rig = try calibration.rig()
      if let rig, !rig.needsRectification, framesOutput == nil {
        throw CLIError(
          "\(calibration.calibration ?? "the calibration") describes rectified cameras: with "
            + "--video it gives each frame's depth, which needs --frames-output DIR")
      }
      var rectification: RectificationMaps?
      var camera: RectifiedStereoCamera?
      var writer: VideoWriter?
      var colorizer = DisparityColorizer()
      var bar = ProgressBar(total: max(reader.expectedFrameCount ?? 1, 1))
      let start = Date()
      var inferenceSeconds = 0.0
      while let frame = try reader.next() {
        var (left, right) = frame.views()
        if writer == nil {
          if let rig, rig.needsRectification {
            rectification = try RectificationMaps(
              calibration: rig, width: left.width, height: left.height)
          }
          camera = try calibration.camera(width: left.width, height: left.height, rig: rig)
        }
        if let rectification { (left, right) = try rectification.rectify(left: left, right: right) }
        let began = Date()
        // `--adapt`: each frame from the model's own weights, as each pair of a folder.
        let prediction = try estimator.predict(
          left: left, right: right, maximumDisparity: maxDisparity,
          adaptation: adaptation.adaptation(
            metadata: metadata, label: "frame \(writer?.frameCount ?? 0)"))
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
            url: URL(fileURLWithPath: output ?? "wnet-output.mp4"), width: 2 * left.width,
            height: left.height,
            framesPerSecond: rate)
        }
        if let framesOutput {
          let name = String(format: "%06d", writer!.frameCount)
          try self.writer(
            URL(fileURLWithPath: framesOutput).appendingPathComponent(name), camera: camera
          ).write(prediction, left: left)
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
