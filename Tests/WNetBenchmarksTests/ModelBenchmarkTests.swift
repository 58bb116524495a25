import StereoDepth
import Testing
import WNetBenchmarks

@Suite("Model benchmark")
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
}
