import ArgumentParser
import Foundation
import StereoDepth

/// `--model FILE`: a checkpoint to use instead of the bundled model.
struct ModelOptions: ParsableArguments {
  @Option(
    help: "A checkpoint (.safetensors from 'wnet train'); default: the bundled realtime model.")
  var model: String?

  /// The model and its metadata.
  func load() throws -> (model: WNet, metadata: CheckpointMetadata) {
    if let model {
      let (loaded, metadata, _) = try WNetCheckpoint.loadModel(URL(fileURLWithPath: model))
      return (loaded, metadata)
    }
    return try PretrainedModel.load()
  }
}
