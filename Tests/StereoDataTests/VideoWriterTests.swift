import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Encodes small videos with ``VideoWriter`` and reads them back with ffprobe and
/// ``VideoFrameReader``: the tools, not this code, say what was written.
@Suite(
  "Video writer",
  .enabled(
    if: ExternalTool.ffmpeg.isAvailable && ExternalTool.ffprobe.isAvailable,
    "ffmpeg and ffprobe are not installed: skipping the video writer tests"))
struct VideoWriterTests {
  @Test("Frames become a video of that size and count, and no temporary file is left")
  func writes() throws {
    let folder = try TemporaryFolder()
    let url = folder.url.appendingPathComponent("out.mkv")
    let writer = try VideoWriter(url: url, width: 32, height: 16, framesPerSecond: 5)
    for index in 0..<4 {
      try writer.append(TestImages.pattern(width: 32, height: 16, seed: UInt64(index + 1)))
    }
    try writer.finish()
    #expect(writer.frameCount == 4)
    let info = try VideoInfo.probe(url)
    #expect(info.width == 32 && info.height == 16 && abs(info.framesPerSecond - 5) < 1e-6)
    let reader = try VideoFrameReader(url: url, layout: .sideBySide, framesPerSecond: 5)
    var frames = 0
    while try reader.next() != nil { frames += 1 }
    #expect(frames == 4)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["out.mkv"])
  }

  @Test("A writer released before finish stops ffmpeg and leaves no file")
  func abandoned() throws {
    let folder = try TemporaryFolder()
    let url = folder.url.appendingPathComponent("out.mp4")
    do {
      let writer = try VideoWriter(url: url, width: 16, height: 16, framesPerSecond: 5)
      try writer.append(TestImages.pattern(width: 16, height: 16))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
  }

  @Test("ffmpeg failing to write gives a thrown error with its message, never SIGPIPE")
  func unwritableOutput() throws {
    // Permission bits do not stop root (nor ffmpeg run by root); sysfs refuses new files to all.
    let folder = try TemporaryFolder()
    let url: URL
    if geteuid() == 0 {
      url = URL(fileURLWithPath: "/sys/wnet-video-test.mp4")
    } else {
      try #require(chmod(folder.url.path, 0o555) == 0)
      url = folder.url.appendingPathComponent("out.mp4")
    }
    defer { chmod(folder.url.path, 0o755) }
    let writer = try VideoWriter(url: url, width: 64, height: 64, framesPerSecond: 5)
    let frame = TestImages.pattern(width: 64, height: 64)
    // ffmpeg opens its output after the first frames; from then on writes to it fail. 200
    // frames (2.4 MB) are far more than the pipe and ffmpeg's buffers hold.
    var failure: StereoDataError?
    do {
      for _ in 0..<200 { try writer.append(frame) }
      try writer.finish()
    } catch let error as StereoDataError {
      failure = error
    }
    let error = try #require(failure, "encoding into \(url.path) succeeded")
    #expect(error.kind == .tool)
    #expect(error.description.hasPrefix("ffmpeg: "))
    #expect(error.description.contains(url.deletingPathExtension().lastPathComponent))
    #expect(!FileManager.default.fileExists(atPath: url.path))
  }
}
