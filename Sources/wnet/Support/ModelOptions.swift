import ArgumentParser
import Foundation
import StereoDepth

/// `--model FILE|PRESET`: a checkpoint, or the name of a bundled model, instead of the default.
struct ModelOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A checkpoint (.safetensors from 'wnet train') or a bundled model's name "
        + "(\(PretrainedModel.bundledPresets.map(\.rawValue).joined(separator: ", "))); "
        + "default: the bundled \(PretrainedModel.defaultPreset.rawValue) model.",
      valueName: "file|preset"))
  var model: String?

  /// The model and its metadata.
  func load() throws -> (model: WNet, metadata: CheckpointMetadata) {
    try Self.load(model)
  }

  /// Loads `--model`'s value: a bundled preset's name (when no such file exists), a file, or
  /// (`nil`) the default bundled model.
  static func load(_ model: String?) throws -> (model: WNet, metadata: CheckpointMetadata) {
    guard let model else { return try PretrainedModel.load() }
    if let preset = WNetPreset(rawValue: model), !FileManager.default.fileExists(atPath: model) {
      return try PretrainedModel.load(preset)
    }
    let (loaded, metadata, _) = try WNetCheckpoint.loadModel(URL(fileURLWithPath: model))
    return (loaded, metadata)
  }
}
