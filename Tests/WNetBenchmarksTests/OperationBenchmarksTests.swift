import StereoTensor
import Testing
import WNetBenchmarks

@Suite("Operation benchmarks")
struct OperationBenchmarksTests {
  @Test("Time every operation and direction of a tiny configuration")
  func tinyRun() throws {
    var configuration = OperationBenchmarks.Configuration()
    (configuration.batch, configuration.height, configuration.width, configuration.channels) =
      (1, 8, 10, 16)
    (configuration.softmaxHeight, configuration.softmaxWidth, configuration.softmaxChannels) =
      (4, 6, 5)
    (configuration.warmupRuns, configuration.timedRuns) = (0, 1)
    var reported: [OperationTiming] = []
    let timings = OperationBenchmarks(configuration: configuration).run(
      on: try DNNLBackend.shared()
    ) { reported.append($0) }
    #expect(timings == reported)
    let operations = Set(timings.map(\.operation))
    for name in [
      "conv3x3", "depthwise3x3", "pointwise1x1", "deconv2x2s2", "batchnorm", "relu",
      "elu", "maxpool2x2", "bilinear2x", "softmax", "concat", "add", "mul-per-channel",
      "sum-per-channel",
    ] {
      #expect(operations.contains(name), "\(name) is timed")
    }
    for timing in timings {
      #expect(timing.milliseconds >= 0 && timing.milliseconds.isFinite, "\(timing)")
    }
    let conv = timings.filter { $0.operation == "conv3x3" }
    #expect(conv.map(\.direction) == ["forward", "backward-data", "backward-weights", "total"])
    let total = conv.filter { $0.direction != "total" }.reduce(0) { $0 + $1.milliseconds }
    #expect(Swift.abs(conv[3].milliseconds - total) < 1e-9, "total is the sum of the medians")

    configuration.filter = "softmax"
    let filtered = OperationBenchmarks(configuration: configuration).run(on: Backends.reference)
    #expect(Set(filtered.map(\.operation)) == ["softmax"], "the filter selects operations")
  }
}
