import Foundation

/// The `realtime` model shipped with WNet, trained by `wnet train` on synthetic scenes and real
/// pairs without ground truth (see the README for the command that reproduces it).
public enum PretrainedModel {
  /// The file name of the bundled weights.
  public static let fileName = "wnet-realtime.safetensors"

  /// Where the bundled model is: `WNET_MODEL` if set, else the copy in the package's resources.
  public static var url: URL? {
    if let path = ProcessInfo.processInfo.environment["WNET_MODEL"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    return Bundle.module.url(forResource: "wnet-realtime", withExtension: "safetensors")
  }

  /// Loads the bundled model.
  public static func load() throws -> (model: WNet, metadata: CheckpointMetadata) {
    guard let url else {
      throw InferenceError(
        "the bundled model \(fileName) is missing from this build; pass --model FILE")
    }
    let (model, metadata, _) = try WNetCheckpoint.loadModel(url)
    return (model, metadata)
  }
}
