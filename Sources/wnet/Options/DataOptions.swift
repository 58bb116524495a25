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
      discussion: "Folders are searched for each layout's files; see docs/DATA.md. With several, their sources are prefixed with each root's name.",
      valueName: "path"))
  var paths: [String] = []

  @Option(
    help:
      "The dataset layout: \(StereoDatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))."
  )
  var format: StereoDatasetFormat = .automatic

  @Option(help: "How 3D videos pack their views: sbs, half-sbs, tb or half-tb (left eye first).")
  var layout: StereoVideoLayout?

  @Option(
    name: .customLong("fps"), help: "The rate at which frames are taken from videos, per second.")
  var framesPerSecond: Double = 1

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

  @Option(help: "The fraction of sources held out for validation, chosen with '--split-seed'.")
  var validationFraction: Double = 0

  @Option(help: "The seed of the random choice of validation sources.")
  var splitSeed: UInt64 = 0

  func validate() throws {
    guard framesPerSecond > 0, framesPerSecond.isFinite else {
      throw ValidationError("'--fps' must be positive.")
    }
    guard (segmentDuration ?? 1) > 0 else {
      throw ValidationError("'--segment-seconds' must be positive.")
    }
    guard validationFraction >= 0, validationFraction < 1 else {
      throw ValidationError("'--validation-fraction' must be at least 0 and below 1.")
    }
    guard format != .video || layout != nil else {
      throw ValidationError("'--format video' needs '--layout'.")
    }
  }

  /// The datasets these options name, one per `--data`.
  var datasetConfigurations: [StereoDatasetConfiguration] {
    paths.map {
      StereoDatasetConfiguration(
        path: $0, format: format, videoLayout: layout, framesPerSecond: framesPerSecond,
        segmentDuration: segmentDuration)
    }
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
      validationFraction: validationFraction > 0 ? validationFraction : nil, seed: splitSeed)
  }
}
