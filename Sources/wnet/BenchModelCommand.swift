import ArgumentParser
import Foundation
import StereoClassic
import StereoData
import StereoDepth
import StereoTensor
import WNetBenchmarks

extension WNetCommand {
  struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "model",
      abstract: "Time a W-net preset: inference, or a whole training step with --train.",
      discussion: """
        Warms up, then reports the median over many runs, the frames per second and the peak \
        resident memory. Inference goes from two decoded images to the disparity map. Threads \
        follow OMP_NUM_THREADS. --profile adds how the time splits across operations \
        (and, for inference, across the steps of the compiled plan).

        Inference times the dense left view unless --marked is given: then it times what \
        'wnet infer' writes by default (both views scored, the left-right check, the speckle \
        filter and the weighted median at depth edges; --median as for infer). The filters' \
        time depends on \
        the content: --left and --right time a real pair (its size) with the preset's bundled \
        weights (or --weights FILE's) instead of random views and weights.

        Examples:
          wnet bench --width 640 --height 480
          wnet bench --train --batch-size 6 --json
          wnet bench --preset matching --width 640 --height 480 --max-disparity 192 --profile
          wnet bench --preset matching --marked --left l.png --right r.png --max-disparity 192
        """)

    @Option(help: "The preset to time.")
    var preset: WNetPreset = .realtime

    @Option(help: "Input height.")
    var height = 192

    @Option(help: "Input width.")
    var width = 336

    @Option(
      name: .customLong("batch-size"),
      help: "Pairs per run (default: 1 for inference, 6 for training).")
    var batch: Int?

    /// `--batch`, the old spelling of `--batch-size`, kept hidden.
    @Option(name: .customLong("batch"), help: .hidden)
    var batchAlias: Int?

    @Option(
      name: .customLong("max-disparity"),
      help:
        "The largest candidate disparity, px (default: the preset's own range); with --left and --right, the maximum stated to 'wnet infer', which bounds the matching preset's coarse search."
    )
    var maximumDisparity: Int?

    @OptionGroup var architecture: ArchitectureOptions

    @OptionGroup var precision: PrecisionOptions

    /// The architecture timed: the options given, the bundled model's for the others.
    var model: WNetConfiguration {
      architecture.model(for: preset, maximumDisparity: maximumDisparity)
    }

    @Flag(help: "Time training steps instead of inference.")
    var train = false

    @Option(help: "Timed runs (default: 50 for inference, 10 for training).")
    var runs: Int?

    @Option(help: "Untimed warm-up runs.")
    var warmup: Int?

    @Flag(help: "Print one JSON object on standard output.")
    var json = false

    @Flag(help: "Also report how time splits across operations.")
    var profile = false

    @Flag(help: "Time the marked map 'wnet infer' writes by default, not the dense left view.")
    var marked = false

    @Option(help: "With --marked: as 'wnet infer --median' (edges, full or off).")
    var median: MedianChoice = .edges

    @Flag(help: .hidden)
    var weightedMedian = false

    @Flag(
      inversion: .prefixedNo, help: "With --marked: as 'wnet infer --fill-holes' (on by default).")
    var fillHoles: Bool?

    @Option(help: "With --marked: as 'wnet infer --lr-right-drop'.")
    var lrRightDrop: Int?

    @Option(help: "With --marked: as 'wnet infer --lr-right-hand-on'.")
    var lrRightHandOn: InvalidPixelRule.RightViewHandOn?

    @Option(help: "With --marked: as 'wnet infer --border-padding'.")
    var borderPadding: Int?

    @Option(help: "With --marked: as 'wnet infer --row-padding'.")
    var rowPadding: Int?

    @Option(
      help: ArgumentHelp(
        "As 'wnet infer --upscale' (small, auto or a factor; batch 1). Default: small with "
          + "--marked (what 'wnet infer' does), else the given size."))
    var upscale: String?

    @Option(help: "As 'wnet infer --finest-scale' (full or half; batch 1).")
    var finestScale: FinestScaleChoice?

    @Option(
      help: "A real left view to time, with --right (its size; the bundled weights or --weights).")
    var left: String?

    @Option(help: "The real right view to time with --left.")
    var right: String?

    @Option(
      help: ArgumentHelp(
        "With --left and --right: time this checkpoint's weights (its own architecture) instead "
          + "of the bundled ones.", valueName: "file"))
    var weights: String?

    mutating func validate() throws {
      if let batchAlias { batch = batchAlias }
      try architecture.check(for: preset)
      // Without the range, which is checked below: a reversed one would trap.
      let multiple = architecture.model(for: preset).sizeMultiple
      guard (1...8192).contains(height), (1...8192).contains(width), height % multiple == 0,
        width % multiple == 0
      else {
        throw ValidationError(
          "'--height' and '--width' must be multiples of \(multiple) in 1...8192 for the \(preset.rawValue) preset."
        )
      }
      if let maximumDisparity {
        let minimum = WNetConfiguration.defaultRange(for: preset).lowerBound
        guard maximumDisparity > minimum, maximumDisparity <= WNetConfiguration.disparityLimit
        else {
          throw ValidationError(
            "'--max-disparity' must lie in \(minimum + 1)...\(WNetConfiguration.disparityLimit)"
              + " for the \(preset.rawValue) preset, got \(maximumDisparity).")
        }
      }
      if let batch, !(1...256).contains(batch) {
        throw ValidationError("'--batch-size' must lie in 1...256.")
      }
      guard fillHoles != true || marked else {
        throw ValidationError("'--fill-holes' fills the marked map: add '--marked'.")
      }
      guard !(weightedMedian || median != .edges) || marked else {
        throw ValidationError("'--median' filters the marked map: add '--marked'.")
      }
      let markedOptions: [(String, Bool)] = [
        ("--lr-right-drop", lrRightDrop != nil), ("--lr-right-hand-on", lrRightHandOn != nil),
        ("--border-padding", borderPadding != nil), ("--row-padding", rowPadding != nil),
      ]
      if !marked, let (option, _) = markedOptions.first(where: \.1) {
        throw ValidationError("'\(option)' sets the marked map: add '--marked'.")
      }
      if let warmup, warmup < 0 { throw ValidationError("'--warmup' must not be negative.") }
      guard (lrRightDrop ?? 0) >= 0 else {
        throw ValidationError("'--lr-right-drop' must not be negative.")
      }
      guard (borderPadding ?? 0) >= 0 else {
        throw ValidationError("'--border-padding' must not be negative.")
      }
      guard (rowPadding ?? 0) >= 0 else {
        throw ValidationError("'--row-padding' must not be negative.")
      }
      guard (left == nil) == (right == nil) else {
        throw ValidationError("'--left' and '--right' go together.")
      }
      guard weights == nil || left != nil else {
        throw ValidationError("'--weights' times a real pair: add '--left' and '--right'.")
      }
      guard !(train && (marked || left != nil)) else {
        throw ValidationError("'--marked', '--left' and '--right' time inference, not '--train'.")
      }
      guard !(marked || left != nil) || (batch ?? 1) == 1 else {
        throw ValidationError("'--marked', '--left' and '--right' time one pair: '--batch-size 1'.")
      }
      if let runs, runs < 1 { throw ValidationError("'--runs' must be positive.") }
      if let upscale { _ = try UpscaleOptions.rule(parsing: upscale) }
      let resolution =
        upscale != nil ? "--upscale" : finestScale == .half ? "--finest-scale half" : nil
      if let resolution {
        guard !train, (batch ?? 1) == 1 else {
          throw ValidationError(
            "'\(resolution)' times inference of one pair: not with '--train' or a batch.")
        }
      }
    }

    func run() throws {
      try precision.run(runInPrecision)
    }

    private func runInPrecision() throws {
      var pair: (left: Image, right: Image)?
      var network: WNet?
      if let left, let right {
        let views = (
          left: try readView(left, option: "--left"), right: try readView(right, option: "--right")
        )
        guard views.left.width == views.right.width, views.left.height == views.right.height else {
          throw ValidationError("'\(left)' and '\(right)' differ in size.")
        }
        pair = views
        network =
          try ModelOptions.model(
            weights.map { try ModelOptions.load($0).model } ?? PretrainedModel.load(preset).model,
            quarterPasses: architecture.quarterPasses, propagation: architecture.propagation)
      }
      let rule =
        marked
        ? InvalidPixelRule(
          median: (weightedMedian ? .full : median).filter, rightViewScalesDropped: lrRightDrop,
          rightViewHandOn: lrRightHandOn,
          holes: fillHoles ?? true ? .standard : nil, borderPadding: borderPadding,
          rowPadding: rowPadding)
        : nil
      var benchmark = ModelBenchmark(
        model: model, height: height, width: width, batch: batch, training: train, runs: runs,
        warmup: warmup, invalidPixels: rule, pair: pair, network: network)
      if !train {
        // A real pair's map is bounded by the stated maximum, as `wnet infer`'s is.
        if network != nil { benchmark.maximumDisparity = maximumDisparity.map(Float.init) }
        benchmark.upscale =
          upscale.flatMap(InferenceUpscale.init) ?? (marked ? .standard : .none)
        benchmark.upscale.endsAtHalfScale = finestScale == .half
      }
      let (result, entries) = try benchmark.run(profile: profile)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
      } else {
        print(
          String(
            format:
              "%@ %@, batch %d at %dx%d, %d threads: median %.1f ms, %.1f frames/s, peak RSS %.0f MiB (live tensors %.0f MiB)",
            result.preset, result.mode, result.batch, result.width, result.height, result.threads,
            result.median_ms, result.fps, result.peak_rss_mb, result.peak_tensor_mb))
      }
      if profile {
        // Inference plans also time each of their steps ("step <name>"), which contain the
        // operations: one table for the operations, one for the steps.
        let steps = entries.filter { $0.name.hasPrefix("step ") }
        let operations = entries.filter { !$0.name.hasPrefix("step ") }
        var text = table(operations, heading: "operation", runs: result.runs)
        if !steps.isEmpty { text += "\n" + table(steps, heading: "plan step", runs: result.runs) }
        if json { Console.note(text) } else { print(text) }
      }
    }

    /// A colour view read for timing, or a one-line error naming it.
    func readView(_ path: String, option: String) throws -> Image {
      do {
        return try ImageIO.readColor(URL(fileURLWithPath: path))
      } catch {
        throw ValidationError("\(option) '\(path)': \(error)")
      }
    }

    /// A table of profiler entries: calls and milliseconds per run, share of the entries' total.
    func table(_ entries: [Profiler.Entry], heading: String, runs: Int) -> String {
      let total = entries.reduce(0) { $0 + $1.seconds }
      var rows = [[heading, "calls/run", "ms/run", "share"]]
      for entry in entries {
        rows.append([
          entry.name, String(format: "%.0f", Double(entry.calls) / Double(runs)),
          String(format: "%.2f", entry.seconds * 1000 / Double(runs)),
          String(format: "%.1f%%", entry.seconds / max(total, 1e-12) * 100),
        ])
      }
      return Table.format(rows)
    }
  }
}
