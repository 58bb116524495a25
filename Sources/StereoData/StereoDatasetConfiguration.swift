import Foundation

/// What to read as a dataset, and how: the options behind `--data`, `--format`, `--layout`,
/// `--fps` and `--segment-seconds`.
public struct StereoDatasetConfiguration: Sendable, Hashable, Codable {
  /// A dataset folder or a video file.
  public var path: String
  /// The layout, or ``StereoDatasetFormat/automatic`` to recognise it.
  public var format: StereoDatasetFormat
  /// How 3D videos pack their views; needed when the data holds videos.
  public var videoLayout: StereoVideoLayout?
  /// The rate frames are taken from videos at.
  public var framesPerSecond: Double
  /// When set, videos are cut into segments of this many seconds, each its own source, so that
  /// one long video can be split into training and validation. Neighbouring segments may share
  /// a shot, so validation on them is slightly optimistic.
  public var segmentDuration: Double?
  /// How many folder levels below `path` are searched for scenes.
  public var searchDepth: Int

  /// Creates a configuration.
  public init(
    path: String, format: StereoDatasetFormat = .automatic, videoLayout: StereoVideoLayout? = nil,
    framesPerSecond: Double = 1, segmentDuration: Double? = nil, searchDepth: Int = 3
  ) {
    precondition(
      framesPerSecond > 0 && framesPerSecond.isFinite,
      "Frame rate must be positive, got \(framesPerSecond)")
    precondition((segmentDuration ?? 1) > 0, "Segment duration must be positive")
    precondition(searchDepth >= 0, "Search depth must not be negative")
    self.path = path
    self.format = format
    self.videoLayout = videoLayout
    self.framesPerSecond = framesPerSecond
    self.segmentDuration = segmentDuration
    self.searchDepth = searchDepth
  }
}
