import Foundation

/// A 3D video, or one segment of it, that a dataset streams frames from.
public struct StereoVideoSource: Sendable, Hashable {
  /// The video file.
  public var url: URL
  /// How its frames pack the views.
  public var layout: StereoVideoLayout
  /// The rate frames are taken at.
  public var framesPerSecond: Double
  /// The segment's start, in seconds.
  public var start: Double
  /// The segment's length in seconds; to the end of the video when `nil`.
  public var duration: Double?
  /// What ffprobe reported about the video.
  public var info: VideoInfo
  /// See ``StereoSample/source``: the video's path relative to the dataset root, with `#k` for
  /// segment `k` when the video is cut into segments.
  public var source: String

  /// Creates a video source.
  public init(
    url: URL, layout: StereoVideoLayout, framesPerSecond: Double, start: Double = 0,
    duration: Double? = nil, info: VideoInfo, source: String
  ) {
    self.url = url
    self.layout = layout
    self.framesPerSecond = framesPerSecond
    self.start = start
    self.duration = duration
    self.info = info
    self.source = source
  }

  /// The number of frames the segment should give at ``framesPerSecond`` (an estimate from the
  /// duration ffprobe reported; `nil` when unknown).
  public var expectedFrameCount: Int? {
    guard let total = info.duration else { return nil }
    let span = min(duration ?? .infinity, max(total - start, 0))
    return Int((span * framesPerSecond).rounded())
  }

  /// Starts decoding the segment.
  ///
  /// - Throws: ``StereoDataError`` as
  ///   ``VideoFrameReader/init(url:layout:framesPerSecond:start:duration:info:)`` does.
  public func makeReader() throws -> VideoFrameReader {
    try VideoFrameReader(
      url: url, layout: layout, framesPerSecond: framesPerSecond, start: start,
      duration: duration, info: info)
  }
}
