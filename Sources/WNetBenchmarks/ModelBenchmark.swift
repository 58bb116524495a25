import Foundation
import StereoData
import StereoDepth
import StereoTensor

/// Times a W-net preset end to end: inference (from two decoded images to the disparity map) or a
/// whole training step (forward, loss, backward, Adam), after warm-up, as the median of many runs.
///
/// Inference times the dense left view (``DisparityEstimator/estimate(left:right:droppingFinestScales:)``)
/// unless ``invalidPixels`` is set: then it times what `wnet infer` writes by default, the marked
/// map (`predict(…, invalidPixels:)`: both views scored, the left-right check, the speckle filter
/// and the rule's weighted median if it has one). The post-filters' cost depends on the content,
/// so ``pair`` and ``network`` can give a real pair and trained weights (random views and random
/// weights otherwise).
public struct ModelBenchmark {
  /// What one benchmark measured; `--json` prints it as one object.
  public struct Result: Codable, Sendable {
    public var implementation = "wnet"
    public var preset: String
    public var mode: String
    public var batch: Int
    public var height: Int
    public var width: Int
    public var median_ms: Double
    public var fps: Double
    public var peak_rss_mb: Double
    public var threads: Int
    public var runs: Int
    /// The most memory held by live tensors at once (the buffer pool's high-water mark), in MiB.
    public var peak_tensor_mb: Double
  }

  /// The architecture and disparity range timed (random weights: speed does not depend on them).
  public var model: WNetConfiguration
  public var preset: WNetPreset { model.preset }
  public var height: Int
  public var width: Int
  public var batch: Int
  public var training: Bool
  public var runs: Int
  public var warmup: Int
  /// With a rule, inference times the marked map instead of the dense left view (batch 1).
  public var invalidPixels: InvalidPixelRule?
  /// The views timed, `[H, W, 3]` each (their size replaces `height` and `width`), or `nil` for
  /// random ones.
  public var pair: (left: Image, right: Image)?
  /// The weights timed, or `nil` for random ones (seed 1) of ``model``.
  public var network: WNet?
  /// How inference enlarges the pair (`wnet infer --upscale`): with anything but ``InferenceUpscale/none``
  /// the dense map, too, is predicted from images (batch 1).
  public var upscale: InferenceUpscale = .none
  /// The maximum disparity stated for a map predicted from images (`wnet infer
  /// --max-disparity`), in input pixels, or `nil` for none: with a `matching` model it bounds the
  /// coarse search as `wnet infer` does (``DisparityEstimator/boundsSearch``).
  public var maximumDisparity: Float?

  public init(
    model: WNetConfiguration, height: Int = 192, width: Int = 336, batch: Int? = nil,
    training: Bool = false, runs: Int? = nil, warmup: Int? = nil,
    invalidPixels: InvalidPixelRule? = nil, pair: (left: Image, right: Image)? = nil,
    network: WNet? = nil
  ) {
    precondition(
      !(training && (invalidPixels != nil || pair != nil || network != nil))
        && (invalidPixels == nil || batch ?? 1 == 1),
      "A marked map, a real pair or trained weights time inference of one pair")
    self.model = network?.configuration ?? model
    self.invalidPixels = invalidPixels
    self.pair = pair
    self.network = network
    self.height = pair?.left.height ?? height
    self.width = pair?.left.width ?? width
    self.batch = batch ?? (training ? 6 : 1)
    self.training = training
    self.runs = runs ?? (training ? 10 : 50)
    self.warmup = warmup ?? (training ? 2 : 5)
  }

  /// Runs the benchmark; with `profile`, also returns how time split across operations (over the
  /// timed runs only).
  public func run(profile: Bool = false) throws -> (result: Result, profile: [Profiler.Entry]) {
    var generator = SeededGenerator(seed: 1)
    let left =
      pair?.left.tensor
      ?? Tensor.randomUniform([batch, height, width, 3], in: 0...1, using: &generator)
    let right =
      pair?.right.tensor
      ?? Tensor.randomUniform([batch, height, width, 3], in: 0...1, using: &generator)
    var times: [Double] = []
    var entries: [Profiler.Entry] = []
    let backend = profile ? ProfilingBackend(wrapping: Backends.current) : Backends.current
    try withBackend(backend) {
      if training {
        let trainer = try Trainer(
          recipe: TrainingRecipe(
            model: model, batchSize: batch, height: height, width: width, steps: Int.max / 2
          ))
        let batchTensors = StereoBatchTensors(left: left, right: right)
        for index in 0..<(warmup + runs) {
          if index == warmup && profile { Profiler.start() }
          let start = DispatchTime.now().uptimeNanoseconds
          try trainer.train(on: batchTensors)
          if index >= warmup {
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
          }
        }
      } else {
        let estimator = DisparityEstimator(model: network ?? WNet(configuration: model, seed: 1))
        // The marked map is predicted from images (batch 1, checked in init).
        let images =
          invalidPixels == nil && upscale == .none ? nil : pair ?? (Image(left), Image(right))
        for index in 0..<(warmup + runs) {
          if index == warmup && profile { Profiler.start() }
          let start = DispatchTime.now().uptimeNanoseconds
          if let images {
            _ = try estimator.predict(
              left: images.left, right: images.right, maximumDisparity: maximumDisparity,
              invalidPixels: invalidPixels, upscale: upscale)
          } else {
            _ = estimator.estimate(left: left, right: right)
          }
          if index >= warmup {
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
          }
        }
      }
      if profile { entries = Profiler.stop() }
    }
    times.sort()
    let median =
      times.count % 2 == 1
      ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    let result = Result(
      preset: preset.rawValue, mode: training ? "train" : "infer", batch: batch, height: height,
      width: width,
      median_ms: (median * 1000).rounded() / 1000,
      fps: (Double(batch) / (median / 1000) * 100).rounded() / 100,
      peak_rss_mb: Self.peakResidentMegabytes(), threads: Parallel.threadCount, runs: runs,
      peak_tensor_mb: (Double(BufferPool.shared.statistics.peakLiveBytes) / 1_048_576 * 10)
        .rounded() / 10)
    return (result, entries)
  }

  /// The process's peak resident set (`VmHWM` in /proc/self/status), in MiB.
  public static func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
      return (kilobytes / 1024 * 10).rounded() / 10
    }
    return 0
  }
}
