import Foundation
import StereoTensor

/// Encodes RGB frames into a video file with the `ffmpeg` command-line tool.
///
/// Frames are piped to ffmpeg as raw RGB; `.mp4` (and `.mkv`, `.mov`) become H.264 in yuv420p, with
/// odd sizes padded to even (libx264 refuses odd ones); `.gif` is encoded through a palette made
/// from the frames (`palettegen` / `paletteuse`). The file appears only when encoding succeeds:
/// ffmpeg writes a temporary file with an unpredictable name in the same folder
/// (``StereoTensor/AtomicFile/temporaryURL(for:pathExtension:)``), moved over `url` by
/// ``finish()``. A failure, or a writer released before ``finish()``, stops ffmpeg and removes
/// the temporary file.
public final class VideoWriter {
  public let url: URL
  public let width: Int
  public let height: Int
  private let temporary: URL
  private let encoder: Subprocess
  private var finished = false
  public private(set) var frameCount = 0

  /// Starts ffmpeg for frames of `width × height` at `framesPerSecond`.
  ///
  /// - Throws: ``StereoDataError`` when ffmpeg is missing, the extension is not a video format
  ///   ffmpeg is asked to write here, or the folder does not exist.
  public init(url: URL, width: Int, height: Int, framesPerSecond: Double) throws {
    precondition(
      width > 0 && height > 0 && framesPerSecond > 0,
      "Bad video \(width)x\(height) at \(framesPerSecond) fps")
    let format = url.pathExtension.lowercased()
    guard ["mp4", "mkv", "mov", "gif"].contains(format) else {
      throw StereoDataError(
        .invalidRequest, url, "the output must be a .mp4, .mkv, .mov or .gif file")
    }
    let folder = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw StereoDataError(.unwritable, url, "the folder \(folder.path) does not exist")
    }
    self.url = url
    self.width = width
    self.height = height
    temporary = AtomicFile.temporaryURL(for: url, pathExtension: format)
    var arguments = [
      "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
      "-s", "\(width)x\(height)", "-r", String(framesPerSecond), "-i", "-",
    ]
    if format == "gif" {
      arguments += [
        "-vf", "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer",
        "-loop", "0",
      ]
    } else {
      arguments += [
        "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf",
        "20",
      ]
    }
    arguments.append(temporary.path)
    encoder = try ExternalTool.ffmpeg.start(arguments, input: .pipe)
  }

  deinit {
    if !finished { abandon() }
  }

  /// Appends a frame: an RGB image of the writer's size, values in [0, 1].
  public func append(_ frame: Image) throws {
    precondition(
      frame.width == width && frame.height == height && frame.channels == 3,
      "Frame \(frame.width)x\(frame.height)x\(frame.channels) for a \(width)x\(height) RGB video")
    let bytes = frame.pixels.map { UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) }
    guard !finished else {
      throw StereoDataError(.invalidRequest, url, "the video is already finished")
    }
    do {
      try encoder.write(bytes)
    } catch {
      // ffmpeg stopped reading (it failed to open the output, the disk is full, …).
      abandon()
      let message = StandardErrorCollector.lastLine(of: encoder.standardError)
      let reason = message.isEmpty ? "broken pipe" : message
      throw StereoDataError(
        .tool, path: "ffmpeg", "stopped while encoding \(url.lastPathComponent): \(reason)")
    }
    frameCount += 1
  }

  /// Closes the stream, waits for ffmpeg, and moves the file into place (flushed to disk).
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` when ffmpeg fails, with its last message, and
  ///   `.unwritable` when the file cannot be moved into place.
  public func finish() throws {
    guard !finished else { return }
    finished = true
    encoder.closeInput()
    let termination = encoder.wait()
    let message = StandardErrorCollector.lastLine(of: encoder.standardError)
    guard termination.succeeded else {
      unlink(temporary.path)
      let reason = message.isEmpty ? "\(termination)" : message
      throw StereoDataError(
        .tool, path: "ffmpeg", "could not encode \(url.lastPathComponent): \(reason)")
    }
    do {
      try AtomicFile.moveIntoPlace(temporary, over: url)
    } catch let error as AtomicFile.WriteError {
      throw StereoDataError(
        .unwritable, url, "cannot move the encoded video into place (\(error.reason))")
    }
  }

  /// Stops ffmpeg and removes its partial output.
  private func abandon() {
    finished = true
    encoder.terminate()
    unlink(temporary.path)
  }
}
