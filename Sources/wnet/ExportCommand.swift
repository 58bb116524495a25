import ArgumentParser
import Foundation
import StereoDepth
import StereoTensor

extension WNetCommand {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Export a W-net to ONNX, for onnxruntime and other inference engines, or its weights alone.",
      discussion: """
        The ONNX graph (IR version \(ONNXExporter.irVersion), opset \(ONNXExporter.opsetVersion)) takes 'left' and 'right', float32 [N, 3, H, W] \
        rectified RGB in [0, 1] (NCHW), with H and W multiples of 8 (realtime) or 16 \
        (original), and gives 'disparity', [N, 1, H, W]: the left view's expected disparity in \
        pixels. It runs the network in inference mode and leaves out resizing, padding and the \
        rendering used for training. Without '--model' the default bundled trained model \
        (\(PretrainedModel.defaultPreset.rawValue)) is exported; '--preset' (and '--seed') export a freshly initialised, untrained model instead. \
        With '--weights FILE' instead of '--onnx', the model's weights and metadata are written as \
        a safetensors checkpoint without optimizer state (a third of a training checkpoint's size; \
        usable with '--model', not resumable): this is how the bundled model is made from a run.

        Examples:
          wnet export --onnx wnet.onnx
          wnet export --model runs/a/checkpoint.safetensors --weights a.safetensors
          wnet export --model runs/a/checkpoint.safetensors --model runs/b/checkpoint.safetensors \
            --weights soup.safetensors
          python3 examples/python/infer_onnx.py wnet.onnx l.png r.png
        """)

    @Option(help: ArgumentHelp("The ONNX file to write.", valueName: "file"))
    var onnx: String?

    @Option(
      help: ArgumentHelp(
        "Write the weights (safetensors, no optimizer state) to this file instead of ONNX.",
        valueName: "file"))
    var weights: String?

    @Option(
      help: ArgumentHelp(
        "A checkpoint (.safetensors) to export, or a bundled model's name; its preset and "
          + "disparity range are used. Given several times, the checkpoints' weights are "
          + "averaged (fine-tunes of one model: how the bundled matching model is made).",
        valueName: "file|preset"))
    var model: [String] = []

    @Option(
      help: ArgumentHelp(
        "Export an untrained model of this architecture (realtime, original, matching) instead of "
          + "a trained one.",
        valueName: "preset"),
      transform: Self.parsePreset)
    var preset: WNetPreset?

    @Option(help: "With '--preset': the seed of the fresh model's initial weights (default 0).")
    var seed: UInt64?

    @Option(
      help: ArgumentHelp(
        "matching, with a trained model: export it refining at 1/4 resolution this many times "
          + "('wnet infer --quarter-passes').", valueName: "n"))
    var quarterPasses: Int?

    @Option(
      help: ArgumentHelp(
        "matching, with a trained model: export it propagating the neighbours' estimates at "
          + "this many hand-ons between scales ('wnet infer --propagation').", valueName: "n"))
    var propagation: Int?

    @Flag(
      help:
        "Also output 'probabilities', [N, D, H, W]: the left view's distribution over the D candidates."
    )
    var probabilities = false

    func validate() throws {
      guard (onnx == nil) != (weights == nil) else {
        throw ValidationError("Give one of '--onnx FILE' or '--weights FILE'.")
      }
      guard onnx?.isEmpty != true, weights?.isEmpty != true else {
        throw ValidationError("'--onnx' and '--weights' need a file name.")
      }
      if !model.isEmpty && preset != nil {
        throw ValidationError(
          "'--model' and '--preset' cannot be used together: a checkpoint records its preset.")
      }
      if !model.isEmpty && seed != nil {
        throw ValidationError("'--seed' only applies to a fresh model, not to '--model'.")
      }
      if seed != nil && preset == nil {
        throw ValidationError("'--seed' goes with '--preset' (the fresh model's architecture).")
      }
      if probabilities && weights != nil {
        throw ValidationError("'--probabilities' adds an ONNX output: not with '--weights'.")
      }
      if quarterPasses != nil && (preset != nil || seed != nil) {
        throw ValidationError("'--quarter-passes' applies to a trained model, not to '--preset'.")
      }
      if propagation != nil && (preset != nil || seed != nil) {
        throw ValidationError("'--propagation' applies to a trained model, not to '--preset'.")
      }
    }

    func run() throws {
      let (wnet, source, metadata) = try loadModel()
      if let weights {
        let url = URL(fileURLWithPath: weights)
        var exported =
          metadata ?? CheckpointMetadata(configuration: wnet.configuration, step: 0, training: nil)
        exported.configuration = wnet.configuration  // with --quarter-passes etc., as asked for
        exported.notes["exported"] = "weights only, from \(source)"
        try WNetCheckpoint.save(wnet, optimizer: nil, metadata: exported, to: url)
        print(
          "wrote \(url.path): weights of the \(source) (step \(exported.step)), no optimizer state")
        return
      }
      let url = URL(fileURLWithPath: onnx!)
      let data = ONNXExporter(
        includesProbabilities: probabilities,
        defaultDisparityFraction: metadata?.disparityWidthFraction
      ).serializedModel(wnet)
      try AtomicFile.write(data, to: url)
      let configuration = wnet.configuration
      print(
        "wrote \(url.path): \(source), candidates \(configuration.minimumDisparity)...\(configuration.maximumDisparity), "
          + "H and W multiples of \(configuration.sizeMultiple), \(data.count) bytes")
    }

    /// The model to export, a few words on where it came from, and its metadata if it has some.
    func loadModel() throws -> (model: WNet, source: String, metadata: CheckpointMetadata?) {
      guard model.isEmpty, preset != nil || seed != nil else {
        let loaded =
          model.count > 1
          ? try WNetCheckpoint.average(model.map(Self.checkpointURL))
          : try ModelOptions.load(model.first)
        let name = loaded.metadata.configuration.preset.rawValue
        let source =
          model.isEmpty
          ? "bundled trained '\(name)' model"
          : "'\(name)' model \(model.count > 1 ? "averaged from" : "from") "
            + model.joined(separator: ", ")
        let network = try ModelOptions.model(
          loaded.model, quarterPasses: quarterPasses, propagation: propagation)
        return (network, source, loaded.metadata)
      }
      let preset = preset ?? .realtime
      let seed = seed ?? 0
      let wnet = WNet(configuration: WNetConfiguration(preset: preset), seed: seed)
      return (wnet, "untrained '\(preset.rawValue)' model, seed \(seed)", nil)
    }

    /// A `--model` value as a file: a bundled model's name (when no such file exists) is its
    /// bundled file, as ``ModelOptions/load(_:)`` reads it.
    static func checkpointURL(_ name: String) throws -> URL {
      if let preset = WNetPreset(rawValue: name), !FileManager.default.fileExists(atPath: name) {
        guard let url = PretrainedModel.url(for: preset) else {
          throw CLIError("the bundled '\(name)' model is not installed")
        }
        return url
      }
      return URL(fileURLWithPath: name)
    }

    /// Reads a preset name; a one-line error lists the valid ones.
    static func parsePreset(_ name: String) throws -> WNetPreset {
      guard let preset = WNetPreset(rawValue: name) else {
        let names = WNetPreset.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        throw ValidationError("unknown preset '\(name)'; expected one of \(names).")
      }
      return preset
    }
  }
}
