import ArgumentParser
import Foundation
import StereoTensor
import WNetBenchmarks

extension WNetCommand {
  /// `wnet bench`: performance measurements.
  struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Measure how fast WNet runs on this machine: a whole model (default) or each primitive.",
      discussion: """
        'wnet bench [--preset P] [--train] [--json]' times a model; 'wnet bench ops' times each \
        primitive.

        Examples:
          wnet bench --width 640 --height 480
          wnet bench ops --json
        """,
      subcommands: [BenchModel.self, BenchOps.self], defaultSubcommand: BenchModel.self)
  }

  /// `wnet bench ops`: each primitive at W-net's sizes.
  struct BenchOps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ops",
      abstract: "Time each primitive at W-net's sizes, forward and backward separately.",
      discussion: """
        Each operation runs a few untimed warm-up calls, then timed calls whose median is \
        reported. Threads follow OMP_NUM_THREADS. The machine should be idle: the load from \
        other processes during the run is reported alongside. benchmarks/compare_ops.sh runs \
        this and the PyTorch twin and prints the ratios.

        Examples:
          wnet bench ops
          wnet bench ops --filter conv --batch-size 1 --json
        """)

    @Flag(help: "Print machine-readable JSON on standard output instead of a table.")
    var json = false

    @Option(help: "The number of timed runs per operation; the median is reported.")
    var runs = 10

    @Option(help: "The number of untimed warm-up runs per operation.")
    var warmup = 3

    @Option(help: "Only time the operations whose name contains this text, e.g. 'conv'.")
    var filter: String?

    @Option(name: .customLong("batch-size"), help: "The batch size.")
    var batch = 6

    /// `--batch`, the old spelling of `--batch-size`, kept hidden.
    @Option(name: .customLong("batch"), help: .hidden)
    var batchAlias: Int?

    @Option(help: "The activation height.")
    var height = 96

    @Option(help: "The activation width.")
    var width = 168

    @Option(help: "The activation channel count.")
    var channels = 64

    @Flag(help: "Use the plain-Swift reference backend instead of oneDNN (very slow).")
    var reference = false

    mutating func validate() throws {
      if let batchAlias { batch = batchAlias }
      guard runs > 0 else { throw ValidationError("'--runs' must be positive.") }
      guard warmup >= 0 else { throw ValidationError("'--warmup' must not be negative.") }
      guard batch > 0, height >= 2, width >= 2, channels > 0 else {
        throw ValidationError("Sizes must be positive, and height and width at least 2.")
      }
    }

    func run() async throws {
      let backend: any Backend = reference ? Backends.reference : try DNNLBackend.shared()
      var configuration = OperationBenchmarks.Configuration()
      configuration.batch = batch
      configuration.height = height
      configuration.width = width
      configuration.channels = channels
      configuration.timedRuns = runs
      configuration.warmupRuns = warmup
      configuration.filter = filter

      let idle = MachineLoad.sampleBusyPercent(seconds: 2)
      let start = MachineLoad()
      if !json {
        print(
          "backend \(backend.name), oneDNN \(DNNLBackend.version), \(Parallel.threadCount) threads")
        if let idle { print(String(format: "machine busy before the run: %.1f%%", idle)) }
        print(row("operation", "direction", "median ms", "min ms", "shape"))
      }
      let timings = OperationBenchmarks(configuration: configuration).run(on: backend) { timing in
        guard !json else { return }
        print(
          row(
            timing.operation, timing.direction, String(format: "%.3f", timing.milliseconds),
            String(format: "%.3f", timing.minimumMilliseconds), timing.shape))
      }
      let other = MachineLoad().otherPercent(since: start)
      if json {
        let report = Report(
          backend: backend.name, oneDNN: DNNLBackend.version, threads: Parallel.threadCount,
          busyPercentBefore: idle, otherLoadPercent: other, timings: timings,
          primitives: (backend as? DNNLBackend)?.primitiveDescriptions ?? [])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
      } else if let other {
        print(
          String(format: "load from other processes during the run: %.1f%% of the machine", other))
      }
    }

    private func row(_ columns: String...) -> String {
      let widths = [20, 18, 10, 10]
      return columns.enumerated().map { index, text in
        index < widths.count
          ? text.padding(toLength: widths[index], withPad: " ", startingAt: 0) : text
      }.joined(separator: " ")
    }

    /// The `--json` output.
    struct Report: Codable {
      var backend: String
      var oneDNN: String
      var threads: Int
      var busyPercentBefore: Double?
      var otherLoadPercent: Double?
      var timings: [OperationTiming]
      var primitives: [String]
    }
  }
}
