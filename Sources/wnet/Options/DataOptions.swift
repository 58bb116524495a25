import ArgumentParser
import Foundation
import StereoData

extension StereoDatasetFormat: ExpressibleByArgument {}
extension StereoVideoLayout: ExpressibleByArgument {}

/// The options that name a dataset and its split, shared by the commands that read data.
struct DataOptions: ParsableArguments {
  @Option(
    name: .customLong("data"),
    help: ArgumentHelp(
      "A dataset folder or a 3D video file (repeatable).",
      discussion:
        "Folders are searched for each layout's files; see docs/DATA.md. With several, their sources are prefixed with each root's name, and so are the pair names that more than one of them holds (the names of proxy files and of 'wnet eval' outputs and predictions: wA/scene-0000 and wB/scene-0000).",
      valueName: "path"))
  var paths: [String] = []

  @Option(
    help:
      "The dataset layout: \(StereoDatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: auto)."
  )
  var format: StereoDatasetFormat?

  @Option(help: "How 3D videos pack their views: sbs, half-sbs, tb or half-tb (left eye first).")
  var layout: StereoVideoLayout?

  @Option(
    name: .customLong("fps"),
    help: "The rate at which frames are taken from videos, per second (default: 1).")
  var framesPerSecond: Double?

  @Option(
    name: .customLong("segment-seconds"),
    help: "Cut videos into segments of this many seconds, each its own source for splitting.")
  var segmentDuration: Double?

  @Option(
    name: .customLong("hold-out"),
    help: ArgumentHelp(
      "A source to hold out for validation (repeatable, or comma-separated).",
      discussion: "Sources are scene folders, KITTI sequences, videos or video segments.",
      valueName: "source"))
  var heldOutSources: [String] = []

  @Option(
    help: "The fraction of sources held out for validation, chosen with '--split-seed'; default 0.")
  var validationFraction: Double?

  @Option(help: "The seed of the random choice of validation sources (default: 0).")
  var splitSeed: UInt64?

  func validate() throws {
    guard (framesPerSecond ?? 1) > 0, (framesPerSecond ?? 1).isFinite else {
      throw ValidationError("'--fps' must be positive.")
    }
    guard (segmentDuration ?? 1) > 0 else {
      throw ValidationError("'--segment-seconds' must be positive.")
    }
    guard (0..<1).contains(validationFraction ?? 0) else {
      throw ValidationError("'--validation-fraction' must be at least 0 and below 1.")
    }
    guard format != .video || layout != nil else {
      throw ValidationError("'--format video' needs '--layout'.")
    }
  }

  /// The datasets these options name, one per `--data`.
  var datasetConfigurations: [StereoDatasetConfiguration] {
    paths.map { applyingSourceSettings(to: StereoDatasetConfiguration(path: $0)) }
  }

  /// The names of the options given that describe how sources are read (`--format`, `--layout`,
  /// `--fps`, `--segment-seconds`).
  var givenSourceSettings: [String] {
    [
      format.map { _ in "--format" }, layout.map { _ in "--layout" },
      framesPerSecond.map { _ in "--fps" }, segmentDuration.map { _ in "--segment-seconds" },
    ].compactMap { $0 }
  }

  /// `source` with the format, layout, frame rate and segment duration given replaced.
  func applyingSourceSettings(to source: StereoDatasetConfiguration) -> StereoDatasetConfiguration {
    var source = source
    if let format { source.format = format }
    if let layout { source.videoLayout = layout }
    if let framesPerSecond { source.framesPerSecond = framesPerSecond }
    if let segmentDuration { source.segmentDuration = segmentDuration }
    return source
  }

  /// Whether an option of the split (`--hold-out`, `--validation-fraction`, `--split-seed`) was
  /// given.
  var givesSplitPolicy: Bool {
    !heldOutSources.isEmpty || validationFraction != nil || splitSeed != nil
  }

  /// Scans every `--data` path and joins them into one dataset.
  func loadDataset() throws -> StereoDataset {
    try StereoDataset(merging: datasetConfigurations.map { try StereoDataset(configuration: $0) })
  }

  /// The split these options ask for.
  var splitPolicy: SplitPolicy {
    let named = heldOutSources.flatMap { $0.split(separator: ",").map(String.init) }
    return SplitPolicy(
      heldOutSources: named.isEmpty ? nil : named,
      validationFraction: (validationFraction ?? 0) > 0 ? validationFraction : nil,
      seed: splitSeed ?? 0)
  }
}
