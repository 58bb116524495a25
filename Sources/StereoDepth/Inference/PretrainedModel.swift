import Foundation

/// The models shipped with WNet, each trained by `wnet train` without ground truth (see the
/// README for the commands that reproduce them, and for the terms of use of the weights:
/// non-commercial research). ``defaultPreset`` is the one `infer`, `eval`, `demo` and `export`
/// use when no `--model` is given; ``bundledPresets`` lists every preset with shipped weights.
///
/// **Where a model is looked for**, in order (``candidates(for:)``):
/// 1. `$WNET_MODEL`, when set and the default model is asked for: only there.
/// 2. `WNet_StereoDepth.resources/wnet-PRESET.safetensors` beside the running executable, where
///    SwiftPM puts the package's resources (copy that folder along when moving a binary).
/// 3. `Sources/StereoDepth/Resources/` of the source tree this library was built from.
///
/// A missing file is a thrown ``InferenceError`` naming every path tried, never a crash: this
/// does not use SwiftPM's `Bundle.module`, which stops the process when the bundle has moved.
public enum PretrainedModel {
  /// The preset whose shipped weights are used when none is named.
  public static let defaultPreset: WNetPreset = .matching

  /// The presets with shipped weights.
  public static let bundledPresets: [WNetPreset] = [.realtime, .matching]

  /// The file name of a preset's bundled weights, `wnet-PRESET.safetensors`.
  public static func fileName(for preset: WNetPreset) -> String {
    "wnet-\(preset.rawValue).safetensors"
  }

  /// The file name of the default model's weights.
  public static var fileName: String { fileName(for: defaultPreset) }

  /// The name of the resource folder SwiftPM writes beside executables that link StereoDepth.
  public static let resourceBundleName = "WNet_StereoDepth.resources"

  /// The places looked at for a preset's weights, in order (see the type's documentation).
  public static func candidates(for preset: WNetPreset) -> [URL] {
    if preset == defaultPreset, let path = ProcessInfo.processInfo.environment["WNET_MODEL"],
      !path.isEmpty
    {
      return [URL(fileURLWithPath: path)]
    }
    let name = fileName(for: preset)
    var urls: [URL] = []
    let main = Bundle.main.bundleURL.appendingPathComponent(resourceBundleName)
    urls.append(main.appendingPathComponent(name))
    if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
      let beside = executable.deletingLastPathComponent().appendingPathComponent(
        resourceBundleName
      ).appendingPathComponent(name)
      if !urls.contains(beside) { urls.append(beside) }
    }
    // This file is Sources/StereoDepth/Inference/PretrainedModel.swift.
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Resources")
      .appendingPathComponent(name)
    urls.append(source)
    return urls
  }

  /// The places looked at for the default model.
  public static var candidates: [URL] { candidates(for: defaultPreset) }

  /// The first of a preset's candidates that exists, or `nil`.
  public static func url(for preset: WNetPreset) -> URL? {
    candidates(for: preset).first { FileManager.default.isReadableFile(atPath: $0.path) }
  }

  /// The default model's file, or `nil`.
  public static var url: URL? { url(for: defaultPreset) }

  /// Loads a preset's bundled model (by default ``defaultPreset``'s).
  ///
  /// - Throws: ``InferenceError`` when the preset ships no weights, or naming the paths tried
  ///   when none holds the file, or the checkpoint's error when it cannot be read.
  public static func load(_ preset: WNetPreset = defaultPreset) throws -> (
    model: WNet, metadata: CheckpointMetadata
  ) {
    guard bundledPresets.contains(preset) else {
      let names = bundledPresets.map { "'\($0.rawValue)'" }.joined(separator: ", ")
      throw InferenceError(
        "no trained '\(preset.rawValue)' model is bundled (bundled: \(names)); "
          + "pass --model FILE")
    }
    guard let url = url(for: preset) else {
      let tried = candidates(for: preset).map(\.path).joined(separator: ", ")
      throw InferenceError(
        "the bundled model \(fileName(for: preset)) was not found (tried \(tried)); "
          + "set WNET_MODEL=FILE or pass --model FILE")
    }
    let (model, metadata, _) = try WNetCheckpoint.loadModel(url)
    return (model, metadata)
  }
}
