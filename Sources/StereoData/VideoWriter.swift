import Foundation

/// Encodes RGB frames into a video file with the `ffmpeg` command-line tool.
///
/// Frames are piped to ffmpeg as raw RGB; `.mp4` (and `.mkv`, `.mov`) become H.264 in yuv420p, with
/// odd sizes padded to even (libx264 refuses odd ones); `.gif` is encoded through a palette made
/// from the frames (`palettegen` / `paletteuse`). The file appears only when encoding succeeds:
/// ffmpeg writes a temporary file in the same folder, renamed over `url` by ``finish()``.
public final class VideoWriter {
  public let url: URL
  public let width: Int
  public let height: Int
  private let temporary: URL
  private let process: Process
  private let input: Pipe
  private let errors = StandardErrorCollector()
  public private(set) var frameCount = 0

  /// Starts ffmpeg for frames of `width × height` at `framesPerSecond`.
  ///
  /// - Throws: ``StereoDataError`` when ffmpeg is missing, the extension is not a video format
  ///   ffmpeg is asked to write here, or the folder does not exist.
  public init(url: URL, width: Int, height: Int, framesPerSecond: Double) throws {
    precondition(width > 0 && height > 0 && framesPerSecond > 0, "Bad video \(width)x\(height) at \(framesPerSecond) fps")
    let format = url.pathExtension.lowercased()
    guard ["mp4", "mkv", "mov", "gif"].contains(format) else {
      throw StereoDataError(.invalidRequest, url, "the output must be a .mp4, .mkv, .mov or .gif file")
    }
    let folder = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw StereoDataError(.unwritable, url, "the folder \(folder.path) does not exist")
    }
    self.url = url
    self.width = width
    self.height = height
    temporary = folder.appendingPathComponent(".\(url.deletingPathExtension().lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier).\(format)")
    var arguments = [
      "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
      "-s", "\(width)x\(height)", "-r", String(framesPerSecond), "-i", "-",
    ]
    if format == "gif" {
      arguments += ["-vf", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer", "-loop", "0"]
    } else {
      arguments += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "20"]
    }
    arguments.append(temporary.path)
    process = Process()
    process.executableURL = try ExternalTool.ffmpeg.location()
    process.arguments = arguments
    input = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors.pipe
    do {
      try process.run()
    } catch {
      throw StereoDataError(.tool, path: "ffmpeg", "cannot be started (\(error.localizedDescription))")
    }
    errors.start()
  }

  /// Appends a frame: an RGB image of the writer's size, values in [0, 1].
  public func append(_ frame: Image) throws {
    precondition(frame.width == width && frame.height == height && frame.channels == 3, "Frame \(frame.width)x\(frame.height)x\(frame.channels) for a \(width)x\(height) RGB video")
    let bytes = frame.pixels.map { UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) }
    do {
      try input.fileHandleForWriting.write(contentsOf: bytes)
    } catch {
      process.waitUntilExit()
      throw StereoDataError(.tool, path: "ffmpeg", "stopped while encoding \(url.lastPathComponent): \(errors.finish().split(separator: "\n").last ?? "broken pipe")")
    }
    frameCount += 1
  }

  /// Closes the stream, waits for ffmpeg, and moves the file into place.
  public func finish() throws {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    let message = errors.finish()
    guard process.terminationStatus == 0 else {
      try? FileManager.default.removeItem(at: temporary)
      throw StereoDataError(.tool, path: "ffmpeg", "could not encode \(url.lastPathComponent): \(message.split(separator: "\n").last ?? "exit status \(process.terminationStatus)")")
    }
    if rename(temporary.path, url.path) != 0 {
      throw StereoDataError(.unwritable, url, "cannot move the encoded video into place")
    }
  }
}
