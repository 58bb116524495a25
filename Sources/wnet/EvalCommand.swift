import ArgumentParser
import Foundation
import StereoData
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval",
      abstract: "Score disparity against a dataset's ground truth (KITTI D1, bad-1/2/3/4, EPE).",
      discussion: """
        Runs the model over every pair with ground truth, or reads another method's disparities \
        with --predictions DIR (files ID.pfm, ID/disparity.pfm, or KITTI 16-bit ID.png), and scores \
        them with the same code: over all ground-truth pixels and over non-occluded ones where the \
        dataset has a mask. Missing estimates (not finite, negative or 0, as 0 is in a KITTI PNG) \
        are filled as the KITTI devkit's background interpolation does, and the density column \
        is the share that was not missing: SGBM's \
        unknown pixels, or the model's pixels that fail the left-right check (as 'wnet infer' \
        marks them; --dense scores the model's every pixel as it is). \
        Prints a table; --json prints JSON instead (the table then goes to \
        standard error), --json-file FILE writes it to a file.

        Examples:
          wnet eval --data ../shared/data/middlebury-2001-2003 -o predictions
          wnet eval --data kitti/ --adapt 30 --json > results.json
          wnet eval --data kitti/ --predictions mine/ --json-file r.json
        """)

    @OptionGroup var data: DataOptions

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var precision: PrecisionOptions

    @OptionGroup(title: "Classical matcher") var classic: ClassicMatcherOptions

    @Option(help: "Score the disparity files in this folder instead of running the model.")
    var predictions: String?

    @Option(
      help:
        "The largest disparity expected, in input pixels (default: the dataset's bound where it gives one, Middlebury's ndisp or info.txt, else the training set's share of the width); it also bounds matching's coarse search (--no-bounded-search: not)."
    )
    var maxDisparity: Float?

    @OptionGroup(title: "Test-time adaptation") var adaptation: AdaptationOptions

    @OptionGroup(title: "Invalid pixels") var invalid: InvalidPixelOptions

    @OptionGroup(title: "Resolution") var resolution: UpscaleOptions

    @Flag(
      help: "Also report error against density, keeping pixels by confidence (peak probability).")
    var confidence = false

    @OptionGroup(title: "JSON") var jsonOutput: JSONOutputOptions

    @Option(
      name: .shortAndLong,
      help: "Also write each pair's disparity (PFM) into this folder.")
    var output: String?

    func validate() throws {
      guard !data.paths.isEmpty else { throw ValidationError("Name a dataset with '--data'.") }
      try adaptation.validate()
      let adapt = adaptation.adapt
      if let maxDisparity, !(maxDisparity > 0 && maxDisparity.isFinite) {
        throw ValidationError("'--max-disparity' must be positive and finite.")
      }
      try classic.validate()
      try classic.validate(maximumDisparity: maxDisparity)
      try invalid.validate()
      try resolution.validate()
      if data.givesSplitPolicy {
        throw ValidationError(
          "'--hold-out', '--validation-fraction' and '--split-seed' split a training set: "
            + "'eval' scores every pair with ground truth.")
      }
      if classic.method == .sgbm || predictions != nil,
        let option = modelOptions.givenOption ?? precision.givenOption ?? invalid.ruleOption
          ?? invalid.fillOption ?? invalid.paddingOption
      {
        throw ValidationError(
          "'\(option)' sets the model: not with '--method sgbm' or '--predictions'.")
      }
      if predictions != nil,
        let option = output != nil
          ? "--output"
          : maxDisparity != nil
            ? "--max-disparity" : nil
      {
        throw ValidationError(
          "'\(option)' applies to the disparities eval computes: not with '--predictions'.")
      }
      if classic.method == .sgbm
        && (predictions != nil || adapt > 0 || confidence || resolution.isSet)
      {
        throw ValidationError(
          "'--method sgbm' does not take '--predictions', '--adapt', '--confidence', '--upscale' or '--finest-scale'."
        )
      }
      if invalid.dense && (classic.method == .sgbm || predictions != nil) {
        throw ValidationError(
          "'--dense' applies to the model; SGBM fills its unknown pixels with '--fill'.")
      }
      if predictions != nil && (adaptation.adapt > 0 || confidence || resolution.isSet) {
        throw ValidationError(
          "'--adapt', '--confidence' and '--upscale' apply to the model, not to '--predictions'.")
      }
      try resolution.validate(adapt: adapt)
    }

    func run() throws {
      try precision.run(runInPrecision)
    }

    private func runInPrecision() throws {
      let dataset = try data.loadDataset()
      let indices = dataset.samples.indices.filter { dataset.samples[$0].disparity != nil }
      guard !indices.isEmpty else {
        throw CLIError(
          "no pair in \(data.paths.joined(separator: ", ")) has ground truth to evaluate against")
      }
      var estimator: DisparityEstimator?
      var method = "predictions from \(predictions ?? "")"
      var adaptation: TestTimeAdaptation?
      let adapt = self.adaptation.adapt
      if classic.method == .sgbm {
        method = classic.methodDescription
      } else if predictions == nil {
        let (model, metadata) = try modelOptions.load()
        estimator = modelOptions.estimator(model, metadata)
        method =
          "wnet \(model.configuration.preset.rawValue) (\(modelOptions.model ?? "bundled model"))"
        if model.configuration.quarterPasses > 1 {
          method += ", \(model.configuration.quarterPasses) passes at 1/4"
        }
        if model.configuration.propagation > 0 {
          method += ", propagation at \(model.configuration.propagation) hand-ons"
        }
        if !modelOptions.boundedSearch { method += ", search not bounded by the stated maximum" }
        if adapt > 0 {
          adaptation = try self.adaptation.adaptation(metadata: metadata, label: "")
          method += ", adapted \(adapt) steps"
        }
        method += resolution.methodSuffix(configuration: model.configuration)
        if Backends.currentInferencePrecision == .bfloat16 {
          method += ", bfloat16"
        }
      }
      var pairs: [PairEvaluation] = []
      var bar = ProgressBar(total: indices.count)
      for (done, index) in indices.enumerated() {
        let sample = try dataset.sample(at: index)
        let identifier = sample.identifier
        var estimate: Image
        var confidenceMap: Image?
        var seconds = 0.0
        if let predictions {
          guard
            let file = Evaluator.predictionFile(
              for: identifier, in: URL(fileURLWithPath: predictions))
          else {
            throw CLIError(
              "no prediction for \(identifier) in \(predictions) (expected \(identifier).pfm or \(identifier)/disparity.pfm)"
            )
          }
          estimate = try Evaluator.readPrediction(file)
        } else if classic.method == .sgbm {
          let start = Date()
          estimate = try classic.disparity(
            left: sample.left, right: sample.right,
            maximumDisparity: maxDisparity ?? sample.maximumDisparity)
          seconds = Date().timeIntervalSince(start)
          if let output {
            try Self.writeDisparity(estimate, output: output, identifier: identifier)
          }
        } else {
          adaptation?.progress = AdaptationProgress.lines(label: identifier)
          let start = Date()
          let prediction = try estimator!.predict(
            left: sample.left, right: sample.right,
            maximumDisparity: maxDisparity ?? sample.maximumDisparity, adaptation: adaptation,
            invalidPixels: invalid.rule, compactMemory: true, upscale: resolution.rule)
          seconds = Date().timeIntervalSince(start)
          if !prediction.upscaleTrials.isEmpty {
            Console.note("\(identifier): \(UpscaleOptions.summary(prediction))")
          }
          // Unknown pixels (the left-right check) are filled by the metrics as the KITTI devkit
          // does, and counted in the density, as for SGBM.
          estimate = prediction.validDisparity
          confidenceMap = confidence ? prediction.peakProbability : nil
          if let output {
            try Self.writeDisparity(estimate, output: output, identifier: identifier)
          }
        }
        pairs.append(
          try Evaluator.evaluate(
            identifier: identifier, estimate: estimate, sample: sample, seconds: seconds,
            confidence: confidenceMap))
        bar.update(done + 1, identifier)
      }
      let result = DatasetEvaluation(method: method, pairs: pairs)
      // With JSON on standard output, the table goes to standard error.
      let toStandardError = jsonOutput.toStandardOutput
      func say(_ text: String) {
        if toStandardError { Console.note(text) } else { print(text) }
      }
      say("Method: \(method)")
      say(result.formattedTable())
      if predictions == nil {
        say(String(format: "Mean time per pair: %.0f ms", result.meanSeconds * 1000))
      }
      if let curve = result.sparsification {
        say("Error against density (pixels kept by peak probability, most confident first):")
        say(curve.formattedTable())
      }
      try jsonOutput.write(result)
    }

    /// Writes `OUTPUT/<identifier>/disparity.pfm`, creating the folders (identifiers may hold
    /// `/`).
    static func writeDisparity(_ disparity: Image, output: String, identifier: String) throws {
      let folder = URL(fileURLWithPath: output).appendingPathComponent(identifier)
      do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      } catch {
        throw CLIError("cannot create the output folder \(folder.path)")
      }
      try ImageIO.writePFM(disparity, to: folder.appendingPathComponent("disparity.pfm"))
    }
  }
}
