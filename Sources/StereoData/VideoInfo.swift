import Foundation

/// What ffprobe reports about a video's first video stream.
public struct VideoInfo: Sendable, Hashable, Codable {
  /// Frame width in pixels, as stored.
  public var width: Int
  /// Frame height in pixels, as stored.
  public var height: Int
  /// The average frame rate, frames per second (0 when unknown).
  public var framesPerSecond: Double
  /// The duration in seconds, when known.
  public var duration: Double?

  /// Creates a description of a video.
  public init(width: Int, height: Int, framesPerSecond: Double, duration: Double?) {
    self.width = width
    self.height = height
    self.framesPerSecond = framesPerSecond
    self.duration = duration
  }

  /// Asks `ffprobe` for the size, rate and duration of the first video stream of `url`.
  ///
  /// - Throws: ``StereoDataError`` when the file is missing, ffprobe is missing or cannot read
  ///   it, or it has no video stream.
  public static func probe(_ url: URL) throws -> VideoInfo {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
      throw StereoDataError(.unreadable, url, "no such file")
    }
    guard !isFolder.boolValue else {
      throw StereoDataError(.unreadable, url, "is a folder, not a video")
    }
    let result = try ExternalTool.ffprobe.run([
      "-v", "error", "-select_streams", "v:0",
      "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,duration:format=duration",
      "-of", "json", url.path,
    ])
    guard result.termination.succeeded else {
      let reason = StandardErrorCollector.lastLine(of: result.errors)
      throw StereoDataError(
        .corrupt, url,
        "not a video ffprobe can read (\(reason.isEmpty ? "\(result.termination)" : reason))"
      )
    }
    struct Report: Decodable {
      struct Stream: Decodable {
        var width: Int?
        var height: Int?
        var avg_frame_rate: String?
        var r_frame_rate: String?
        var duration: String?
      }
      struct Format: Decodable { var duration: String? }
      var streams: [Stream]?
      var format: Format?
    }
    guard let report = try? JSONDecoder().decode(Report.self, from: result.output) else {
      throw StereoDataError(.tool, url, "ffprobe gave output that is not the expected JSON")
    }
    guard let stream = report.streams?.first else {
      throw StereoDataError(.unsupported, url, "no video stream")
    }
    guard let width = stream.width, let height = stream.height, width > 0, height > 0 else {
      throw StereoDataError(.unsupported, url, "the video stream has no frame size")
    }
    let rate =
      [stream.avg_frame_rate, stream.r_frame_rate].compactMap { $0.flatMap(rational) }
      .first { $0 > 0 } ?? 0
    let duration = [stream.duration, report.format?.duration].compactMap { $0.flatMap(Double.init) }
      .first { $0 > 0 }
    return VideoInfo(width: width, height: height, framesPerSecond: rate, duration: duration)
  }

  /// `"30000/1001"` → 29.97; `"25"` → 25; `"0/0"` → nil.
  private static func rational(_ text: String) -> Double? {
    let parts = text.split(separator: "/")
    guard let numerator = parts.first.flatMap({ Double($0) }) else { return nil }
    guard parts.count == 2 else { return numerator }
    guard let denominator = Double(parts[1]), denominator != 0 else { return nil }
    return numerator / denominator
  }
}
