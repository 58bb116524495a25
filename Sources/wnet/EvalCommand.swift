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
        dataset has a mask. Missing estimates are filled as the KITTI devkit's background \
        interpolation does. Prints a table; --json writes the numbers.
        """)

    @OptionGroup var data: DataOptions

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup(title: "Classical matcher") var classic: ClassicMatcherOptions

    @Option(help: "Score the disparity files in this folder instead of running the model.")
    var predictions: String?

    @Option(
      help:
        "The largest disparity expected, in input pixels (default: the dataset's bound where it gives one, Middlebury's ndisp or info.txt, else the training set's share of the width)."
    )
    var maxDisparity: Float?

    @Option(
      help: "Test-time adaptation: this many self-supervised steps on each pair before inferring.")
    var adapt = 0

    @Option(help: "Adam's learning rate for --adapt.")
    var adaptLearningRate: Float = 5e-4

    @Flag(
      help: "Also report error against density, keeping pixels by confidence (peak probability).")
    var confidence = false

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Also write each pair's disparity (PFM) into this folder.")
    var output: String?

    func validate() throws {
      guard !data.paths.isEmpty else { throw ValidationError("Name a dataset with '--data'.") }
      guard adapt >= 0 else { throw ValidationError("'--adapt' must be non-negative.") }
      guard adaptLearningRate > 0 else {
        throw ValidationError("'--adapt-learning-rate' must be positive.")
      }
      if let maxDisparity, !(maxDisparity > 0 && maxDisparity.isFinite) {
        throw ValidationError("'--max-disparity' must be positive and finite.")
      }
      try classic.validate()
      if classic.method == .sgbm && (predictions != nil || adapt > 0 || confidence) {
        throw ValidationError(
          "'--method sgbm' does not take '--predictions', '--adapt' or '--confidence'.")
      }
      if predictions != nil && (adapt > 0 || confidence) {
        throw ValidationError(
          "'--adapt' and '--confidence' apply to the model, not to '--predictions'.")
      }
    }

    func run() throws {
      let dataset = try data.loadDataset()
      let indices = dataset.samples.indices.filter { dataset.samples[$0].disparity != nil }
      guard !indices.isEmpty else {
        throw CLIError(
          "no pair in \(data.paths.joined(separator: ", ")) has ground truth to evaluate against")
      }
      var estimator: DisparityEstimator?
      var method = "predictions from \(predictions ?? "")"
      var adaptation: TestTimeAdaptation?
      if classic.method == .sgbm {
        method = classic.methodDescription
      } else if predictions == nil {
        let (model, metadata) = try modelOptions.load()
        estimator = DisparityEstimator(model: model, metadata: metadata)
        method =
          "wnet \(model.configuration.preset.rawValue) (\(modelOptions.model ?? "bundled model"))"
        if adapt > 0 {
          adaptation = TestTimeAdaptation(
            steps: adapt, learningRate: adaptLearningRate, loss: metadata.training?.loss)
          method += ", adapted \(adapt) steps"
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
            let folder = URL(fileURLWithPath: output).appendingPathComponent(identifier)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ImageIO.writePFM(estimate, to: folder.appendingPathComponent("disparity.pfm"))
          }
        } else {
          adaptation?.progress = AdaptationProgress.lines(label: identifier)
          let start = Date()
          let prediction = try estimator!.predict(
            left: sample.left, right: sample.right,
            maximumDisparity: maxDisparity ?? sample.maximumDisparity, adaptation: adaptation)
          seconds = Date().timeIntervalSince(start)
          estimate = prediction.disparity
          confidenceMap = confidence ? prediction.peakProbability : nil
          if let output {
            try ImageIO.writePFM(
              estimate,
              to: URL(fileURLWithPath: output).appendingPathComponent(identifier)
                .appendingPathComponent("disparity.pfm"))
          }
        }
        pairs.append(
          try Evaluator.evaluate(
            identifier: identifier, estimate: estimate, sample: sample, seconds: seconds,
            confidence: confidenceMap))
        bar.update(done + 1, identifier)
      }
      let result = DatasetEvaluation(method: method, pairs: pairs)
      print("Method: \(method)")
      print(result.formattedTable())
      if predictions == nil {
        print(String(format: "Mean time per pair: %.0f ms", result.meanSeconds * 1000))
      }
      if let curve = result.sparsification {
        print("Error against density (pixels kept by peak probability, most confident first):")
        print(curve.formattedTable())
      }
      if let json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(result), to: URL(fileURLWithPath: json))
        print("Results: \(json)")
      }
    }
  }
}
