import Foundation

/// The `realtime` model shipped with WNet, trained by `wnet train` on synthetic scenes and real
/// pairs without ground truth (see the README for the command that reproduces it, and for the
/// terms of use of the weights: non-commercial research).
///
/// **Where it is looked for**, in order (``candidates``):
/// 1. `$WNET_MODEL`, when set: only there.
/// 2. `WNet_StereoDepth.resources/wnet-realtime.safetensors` beside the running executable, where
///    SwiftPM puts the package's resources (copy that folder along when moving a binary).
/// 3. `Sources/StereoDepth/Resources/` of the source tree this library was built from.
///
/// A missing file is a thrown ``InferenceError`` naming every path tried, never a crash: this
/// does not use SwiftPM's `Bundle.module`, which stops the process when the bundle has moved.
public enum PretrainedModel {
  /// The file name of the bundled weights.
  public static let fileName = "wnet-realtime.safetensors"

  /// The name of the resource folder SwiftPM writes beside executables that link StereoDepth.
  public static let resourceBundleName = "WNet_StereoDepth.resources"

  /// The places looked at, in order (see the type's documentation).
  public static var candidates: [URL] {
    if let path = ProcessInfo.processInfo.environment["WNET_MODEL"], !path.isEmpty {
      return [URL(fileURLWithPath: path)]
    }
    var urls: [URL] = []
    let main = Bundle.main.bundleURL.appendingPathComponent(resourceBundleName)
    urls.append(main.appendingPathComponent(fileName))
    if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
      let beside = executable.deletingLastPathComponent().appendingPathComponent(
        resourceBundleName
      ).appendingPathComponent(fileName)
      if !urls.contains(beside) { urls.append(beside) }
    }
    // This file is Sources/StereoDepth/Inference/PretrainedModel.swift.
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Resources")
      .appendingPathComponent(fileName)
    urls.append(source)
    return urls
  }

  /// The first of ``candidates`` that exists, or `nil`.
  public static var url: URL? {
    candidates.first { FileManager.default.isReadableFile(atPath: $0.path) }
  }

  /// Loads the bundled model.
  ///
  /// - Throws: ``InferenceError`` naming the paths tried when none holds the file, or the
  ///   checkpoint's error when it cannot be read.
  public static func load() throws -> (model: WNet, metadata: CheckpointMetadata) {
    guard let url else {
      let tried = candidates.map(\.path).joined(separator: ", ")
      throw InferenceError(
        "the bundled model \(fileName) was not found (tried \(tried)); set WNET_MODEL=FILE or "
          + "pass --model FILE")
    }
    let (model, metadata, _) = try WNetCheckpoint.loadModel(url)
    return (model, metadata)
  }
}
