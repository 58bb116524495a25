import Foundation
import StereoNN
import StereoTensor

/// What a checkpoint records besides tensors, stored as JSON in the safetensors metadata under
/// the key `wnet`.
public struct CheckpointMetadata: Codable, Sendable, Equatable {
  /// Always "wnet".
  public var format: String = "wnet"
  /// The layout version of this metadata: 2 stores the training data as a
  /// ``TrainingDataRecipe``; 1 stored it as a `[String: String]` record, converted on reading.
  public var version: Int = 2
  /// The architecture and disparity range.
  public var configuration: WNetConfiguration
  /// The number of optimisation steps taken.
  public var step: Int
  /// The run's recipe, everything needed to resume training; `nil` for an exported model.
  public var training: TrainingRecipe?
  /// Free-form provenance (command line, data, time).
  public var notes: [String: String]

  /// The problems with this metadata, as one-line messages (empty when valid): the model's,
  /// a negative step, and the recipe's (which must train the same parameters: the model may
  /// differ from it only in what ``WNetConfiguration/parameterLayout`` clears, such as a model
  /// trained with one 1/4 pass exported to run two, `wnet export --weights --quarter-passes 2`).
  public var problems: [String] {
    var problems = configuration.problems
    if step < 0 { problems.append("the step must not be negative, got \(step)") }
    if let training {
      if !training.model.hasSameParameters(as: configuration) {
        problems.append("the training recipe describes another model than the checkpoint's")
      }
      problems += training.problems.map { "the stored training recipe: \($0)" }
    }
    return problems
  }

  public init(
    configuration: WNetConfiguration, step: Int, training: TrainingRecipe?,
    notes: [String: String] = [:]
  ) {
    self.configuration = configuration
    self.step = step
    self.training = training
    self.notes = notes
  }
}

/// Saving and loading W-nets: one safetensors file with the weights as `model.<name>`, the
/// optimizer state as `optimizer.<name>`, and ``CheckpointMetadata`` as JSON.
public enum WNetCheckpoint {
  /// Writes the model (and optionally the optimizer) atomically.
  public static func save(
    _ model: WNet, optimizer: (any Optimizer)?, metadata: CheckpointMetadata, to url: URL
  ) throws {
    var tensors = model.parameters.namedTensors.map {
      (name: "model.\($0.name)", tensor: $0.tensor)
    }
    if let optimizer {
      for (name, tensor) in optimizer.state.sorted(by: { $0.key < $1.key }) {
        tensors.append((name: "optimizer.\(name)", tensor: tensor))
      }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
    try SafeTensors.write(tensors, metadata: ["wnet": json], to: url)
  }

  /// Reads a checkpoint's metadata and tensors.
  ///
  /// - Throws: ``CheckpointError`` for a missing, truncated, corrupt or non-W-net file.
  public static func read(_ url: URL) throws -> (
    metadata: CheckpointMetadata, tensors: [String: Tensor]
  ) {
    let (tensors, _, rawMetadata) = try SafeTensors.read(from: url)
    guard let json = rawMetadata["wnet"] else {
      throw CheckpointError(
        "\(url.path) is a safetensors file but not a WNet checkpoint (no 'wnet' metadata)")
    }
    let metadata: CheckpointMetadata
    do {
      metadata = try JSONDecoder().decode(CheckpointMetadata.self, from: Data(json.utf8))
    } catch DecodingError.dataCorrupted(let context) {
      // Says why, e.g. a model setting this version does not know (WNetConfiguration).
      throw CheckpointError(
        "\(url.path) has unreadable WNet metadata: \(context.debugDescription)")
    } catch {
      throw CheckpointError("\(url.path) has unreadable WNet metadata")
    }
    if let problem = metadata.problems.first {
      throw CheckpointError("\(url.path) has invalid WNet metadata: \(problem)")
    }
    // In a training checkpoint Adam counts the steps too; another count is a damaged file.
    if metadata.training != nil, let adamStep = tensors["optimizer.adam.step"],
      adamStep.shape != [] || adamStep.scalars.first != Float(metadata.step)
    {
      throw CheckpointError(
        "\(url.path) is inconsistent: its optimizer step \(adamStep.scalars.first ?? .nan) is "
          + "not its step \(metadata.step)")
    }
    return (metadata, tensors)
  }

  /// Loads a model; with `expectedPreset`, a checkpoint of another preset is an error.
  public static func loadModel(_ url: URL, expectedPreset: WNetPreset? = nil) throws -> (
    model: WNet, metadata: CheckpointMetadata, tensors: [String: Tensor]
  ) {
    let (metadata, tensors) = try read(url)
    if let expectedPreset, metadata.configuration.preset != expectedPreset {
      throw CheckpointError(
        "\(url.path) holds a '\(metadata.configuration.preset.rawValue)' model, not '\(expectedPreset.rawValue)'"
      )
    }
    let model = WNet(configuration: metadata.configuration)
    var weights: [String: Tensor] = [:]
    for (name, tensor) in tensors where name.hasPrefix("model.") {
      weights[String(name.dropFirst(6))] = tensor
    }
    try model.parameters.load(weights, source: url.path)
    return (model, metadata, tensors)
  }

  /// The optimizer state stored in checkpoint tensors.
  public static func optimizerState(_ tensors: [String: Tensor]) -> [String: Tensor] {
    var state: [String: Tensor] = [:]
    for (name, tensor) in tensors where name.hasPrefix("optimizer.") {
      state[String(name.dropFirst(10))] = tensor
    }
    return state
  }
}
