import Foundation

/// Streams the frames of a 3D video at a chosen rate, decoded by an `ffmpeg` child process that
/// writes raw RGB to a pipe.
///
/// The command is `ffmpeg -noautorotate [-ss start] -i VIDEO [-t duration] -map 0:v:0
/// -vf fps=N -f rawvideo -pix_fmt rgb24 -`: the `fps` filter picks, for each output time
/// `k / N`, the input frame nearest to it. Frames come out packed (``VideoFrame``); unpack them
/// with ``VideoFrame/views()``.
///
/// Not thread-safe: one reader serves one consumer. ``close()`` (or deinitialisation) stops
/// ffmpeg.
///
///     let reader = try VideoFrameReader(url: movie, layout: .sideBySide, framesPerSecond: 1)
///     while let frame = try reader.next() { let (left, right) = frame.views() … }
public final class VideoFrameReader {
  /// The video.
  public let url: URL
  /// How its frames pack the views.
  public let layout: StereoVideoLayout
  /// The rate frames are taken at.
  public let framesPerSecond: Double
  /// Where reading starts, in seconds.
  public let start: Double
  /// How many seconds are read; to the end when `nil`.
  public let duration: Double?
  /// What ffprobe reported.
  public let info: VideoInfo

  private let decoder: Subprocess
  private var nextIndex = 0
  private var finished = false

  /// Starts decoding `url` from `start` seconds for `duration` seconds (to the end when `nil`).
  ///
  /// - Parameter info: the video's ffprobe report, when the caller already has it.
  /// - Throws: ``StereoDataError`` when ffmpeg or ffprobe is missing, the file is not a video
  ///   or has no video stream, its frames do not split into equal halves, the segment is not
  ///   finite, or `framesPerSecond` is not in `(0, rate]` (the video's rate, or
  ///   ``unknownRateLimit`` when unknown).
  public init(
    url: URL, layout: StereoVideoLayout, framesPerSecond: Double, start: Double = 0,
    duration: Double? = nil, info: VideoInfo? = nil
  ) throws {
    guard start >= 0, start.isFinite, (duration ?? 1) > 0, (duration ?? 1).isFinite else {
      throw StereoDataError(
        .invalidRequest, url,
        "bad segment: start \(start) s, duration \(duration.map { "\($0) s" } ?? "to the end")")
    }
    let info = try info ?? VideoInfo.probe(url)
    try Self.validate(framesPerSecond: framesPerSecond, for: info, of: url)
    try layout.validate(frameWidth: info.width, frameHeight: info.height, of: url)
    self.url = url
    self.layout = layout
    self.framesPerSecond = framesPerSecond
    self.start = start
    self.duration = duration
    self.info = info

    var arguments = ["-nostdin", "-hide_banner", "-loglevel", "error", "-noautorotate"]
    if start > 0 { arguments += ["-ss", String(start)] }
    arguments += ["-i", url.path]
    if let duration { arguments += ["-t", String(duration)] }
    arguments += [
      "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", "fps=\(framesPerSecond)",
      "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]
    decoder = try ExternalTool.ffmpeg.start(arguments, output: .pipe)
  }

  /// The highest rate frames are taken at when ffprobe reports no rate, per second.
  public static let unknownRateLimit = 240.0

  /// Checks that `framesPerSecond` lies in `(0, rate]`, the video's own rate (or
  /// ``unknownRateLimit`` when ffprobe reports none): above it ffmpeg's fps filter repeats
  /// frames, duplicates rather than data.
  ///
  /// - Throws: ``StereoDataError`` naming `url` and the limit.
  public static func validate(framesPerSecond: Double, for info: VideoInfo, of url: URL) throws {
    let limit = info.framesPerSecond > 0 ? info.framesPerSecond : unknownRateLimit
    guard framesPerSecond > 0, framesPerSecond <= limit * (1 + 1e-9) else {
      throw StereoDataError(
        .invalidRequest, url,
        "the frame rate \(framesPerSecond) must lie in (0, \(limit)], the video's own rate")
    }
  }

  deinit { close() }

  /// The number of frames the reader should produce, from the duration ffprobe reported
  /// (`nil` when unknown). ffmpeg may give one more or one fewer.
  public var expectedFrameCount: Int? {
    guard let total = info.duration else { return nil }
    let span = min(duration ?? .infinity, max(total - start, 0))
    return Int((span * framesPerSecond).rounded())
  }

  /// The next frame, or `nil` at the end of the video (or segment).
  ///
  /// - Throws: ``StereoDataError`` when ffmpeg fails or the stream ends inside a frame.
  public func next() throws -> VideoFrame? {
    guard !finished else { return nil }
    let byteCount = info.width * info.height * 3
    var rgb = [UInt8](repeating: 0, count: byteCount)
    let received = rgb.withUnsafeMutableBytes { decoder.read(into: $0) }
    if received < byteCount {
      finished = true
      let termination = decoder.wait()
      let messages = decoder.standardError
      if !termination.succeeded || received > 0 {
        let reason = StandardErrorCollector.lastLine(of: messages)
        let detail = reason.isEmpty ? "\(termination)" : reason
        throw StereoDataError(
          .corrupt, url,
          received > 0
            ? "video stream ended inside frame \(nextIndex) (\(received) of \(byteCount) bytes; \(detail))"
            : "ffmpeg could not decode the video (\(detail))")
      }
      return nil
    }
    let frame = VideoFrame(
      index: nextIndex, time: start + Double(nextIndex) / framesPerSecond, layout: layout,
      width: info.width, height: info.height, rgb: rgb)
    nextIndex += 1
    return frame
  }

  /// Stops ffmpeg and releases the pipes. Safe to call more than once.
  public func close() {
    finished = true
    decoder.terminate()
  }
}
