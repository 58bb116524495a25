import StereoData
import StereoDepth
import StereoTensor
import Testing
import WNetBenchmarks

@Suite("Model benchmark", .serialized)  // the profiler is global: one timed run at a time
struct ModelBenchmarkTests {
  @Test(
    "Times a tiny inference and training step and reports consistent figures",
    arguments: [false, true])
  func tinyRun(training: Bool) throws {
    let benchmark = ModelBenchmark(
      model: WNetConfiguration(preset: .realtime), height: 32, width: 48, batch: 2,
      training: training, runs: 3, warmup: 1)
    let (result, profile) = try benchmark.run(profile: true)
    #expect(result.mode == (training ? "train" : "infer"))
    #expect(result.preset == "realtime" && result.batch == 2 && result.runs == 3)
    #expect((result.height, result.width) == (32, 48))
    #expect(result.median_ms > 0 && result.median_ms.isFinite)
    // fps = batch / median, rounded to 2 decimals from a median rounded to 3.
    let fps = 2 / (result.median_ms / 1000)
    #expect(abs(result.fps - fps) <= 0.01 + fps * 1e-3, "\(result.fps) against \(fps)")
    #expect(result.peak_rss_mb > 0 && result.peak_tensor_mb > 0)
    #expect(!profile.isEmpty, "the profile lists the operations of the timed runs")
  }

  @Test("Times the marked map of a given pair: its size replaces the one asked for")
  func markedPair() throws {
    var generator = SeededGenerator(seed: 4)
    let left = Image(Tensor.randomUniform([1, 24, 40, 3], in: 0...1, using: &generator))
    let right = Image(Tensor.randomUniform([1, 24, 40, 3], in: 0...1, using: &generator))
    let benchmark = ModelBenchmark(
      model: WNetConfiguration(preset: .realtime), runs: 2, warmup: 1,
      invalidPixels: .standard, pair: (left, right))
    let (result, profile) = try benchmark.run(profile: true)
    #expect((result.height, result.width, result.batch) == (24, 40, 1))
    #expect(result.median_ms > 0 && result.median_ms.isFinite)
    #expect(
      profile.contains { $0.name == "left-right check" }, "the marked map runs the check")
  }

  /// The stated maximum reaches `predict`, as `wnet infer --max-disparity` does: one beyond the
  /// pair's width is refused there (`InferenceError`), one within it times the bounded map.
  @Test("A real pair's map is predicted with the stated maximum disparity")
  func statedMaximum() throws {
    var generator = SeededGenerator(seed: 5)
    let left = Image(Tensor.randomUniform([1, 32, 48, 3], in: 0...1, using: &generator))
    let right = Image(Tensor.randomUniform([1, 32, 48, 3], in: 0...1, using: &generator))
    let model = WNetConfiguration(preset: .matching)
    var benchmark = ModelBenchmark(
      model: model, runs: 1, warmup: 0, invalidPixels: .standard, pair: (left, right),
      network: WNet(configuration: model, seed: 1))
    benchmark.maximumDisparity = 49
    #expect(throws: InferenceError.self) { try benchmark.run() }
    benchmark.maximumDisparity = 16
    #expect(try benchmark.run().result.median_ms > 0)
  }
}
