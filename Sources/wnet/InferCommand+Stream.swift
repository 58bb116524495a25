import Foundation
import StereoData
import StereoDepth

extension WNetCommand.Infer {
  /// `WIDTHxHEIGHT` → (width, height), or `nil` when malformed or outside 1...65536.
  static func parseSize(_ text: String) -> (width: Int, height: Int)? {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
      (1...65536).contains(width), (1...65536).contains(height)
    else { return nil }
    return (width, height)
  }

  /// `--stream`: packed rgb24 frames from standard input, one disparity frame out for each (a
  /// colour-coded video, or float32 maps on standard output with ``RawDisparityStream``'s
  /// header), then latency and frames per second on standard error.
  ///
  /// Latency is per frame, from the moment its last byte was read to the moment its disparity
  /// was written (decoding, network, colouring and writing).
  func runStream() throws {
    guard let layout, let frameSize, let size = Self.parseSize(frameSize) else {
      throw CLIError("--stream needs --layout and --frame-size WIDTHxHEIGHT")
    }
    let reader = try RawFrameReader(
      handle: FileHandle.standardInput, width: size.width, height: size.height, layout: layout)
    let (model, metadata) = try modelOptions.load()
    let estimator = modelOptions.estimator(model, metadata)
    let target = output ?? "wnet-stream.mp4"
    let toStandardOutput = target == "-"
    var video: VideoWriter?
    var colorizer = DisparityColorizer()
    var latencies: [Double] = []
    var start: Date?
    let view = layout.viewSize(frameWidth: size.width, frameHeight: size.height)
    if toStandardOutput {
      FileHandle.standardOutput.write(
        RawDisparityStream.header(width: view.width, height: view.height))
    }
    Console.note(
      "streaming \(size.width)x\(size.height) \(layout.rawValue) frames from standard input → "
        + (toStandardOutput ? "float32 on standard output" : target))
    while let frame = try reader.next() {
      let received = Date()
      if start == nil { start = received }
      let (left, right) = frame.views()
      // `--adapt`: each frame from the model's own weights (in its latency).
      let prediction = try estimator.predict(
        left: left, right: right, maximumDisparity: maxDisparity,
        adaptation: try adaptation.adaptation(metadata: metadata, label: "frame \(latencies.count)")
      )
      if toStandardOutput {
        FileHandle.standardOutput.write(RawDisparityStream.frame(prediction.disparity))
      } else {
        if video == nil {
          let scale = prediction.disparityScale
          colorizer = DisparityColorizer(
            range: .fixed(
              minimum: max(0, Float(model.configuration.minimumDisparity) * scale),
              maximum: Float(model.configuration.maximumDisparity) * scale))
          video = try VideoWriter(
            url: URL(fileURLWithPath: target), width: left.width, height: left.height,
            framesPerSecond: framesPerSecond ?? 30)
        }
        try video!.append(colorizer.colorized(prediction.disparity))
      }
      latencies.append(Date().timeIntervalSince(received))
      if latencies.count % 10 == 0 {
        Console.note(
          String(
            format: "%d frames, %.1f fps, latency %.0f ms", latencies.count,
            Double(latencies.count) / Date().timeIntervalSince(start!),
            1000 * latencies.suffix(10).reduce(0, +) / 10))
      }
    }
    try video?.finish()
    guard let start, !latencies.isEmpty else { throw CLIError("standard input held no frame") }
    let seconds = Date().timeIntervalSince(start)
    let sorted = latencies.sorted()
    Console.note(
      String(
        format:
          "%d frames in, %d frames out in %.2f s: %.1f fps; latency mean %.0f ms, p95 %.0f ms "
          + "(network at %dx%d)", reader.frameCount, latencies.count, seconds,
        Double(latencies.count) / seconds, 1000 * latencies.reduce(0, +) / Double(latencies.count),
        1000 * sorted[min(sorted.count - 1, sorted.count * 95 / 100)],
        estimator.workingSize(
          width: view.width, height: view.height, maximumDisparity: maxDisparity
        ).width,
        estimator.workingSize(
          width: view.width, height: view.height, maximumDisparity: maxDisparity
        ).height))
    if let video { Console.note("  \(video.url.path)") }
  }
}
