import Foundation
import Testing
import _StereoTestSupport

@testable import StereoData

/// Builds small 3D videos with ffmpeg from pairs made here, then reads them back.
@Suite(
  "3D video",
  .enabled(
    if: ExternalTool.ffmpeg.isAvailable && ExternalTool.ffprobe.isAvailable,
    "ffmpeg and ffprobe are not installed: skipping the video tests"))
struct VideoTests {
  static let frameCount = 6
  static let inputRate = 4

  /// Writes `frameCount` pairs as PNG, then packs them into `name` with ffmpeg, losslessly (FFV1).
  /// `pack` is the filter graph from inputs `[0]` (left) and `[1]` (right).
  private func makeVideo(
    _ name: String, in folder: TemporaryFolder, pack: String, pairs: [(Image, Image)]
  ) throws -> URL {
    for (index, (left, right)) in pairs.enumerated() {
      try ImageIO.writePNG(left, to: folder.file(String(format: "frames/L%03d.png", index)))
      try ImageIO.writePNG(right, to: folder.file(String(format: "frames/R%03d.png", index)))
    }
    let video = folder.url.appendingPathComponent(name)
    try runFFmpeg([
      "-framerate", "\(Self.inputRate)", "-i", folder.url.path + "/frames/L%03d.png",
      "-framerate", "\(Self.inputRate)", "-i", folder.url.path + "/frames/R%03d.png",
      "-filter_complex", pack, "-c:v", "ffv1", video.path,
    ])
    return video
  }

  private func runFFmpeg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = try ExternalTool.ffmpeg.location()
    process.arguments = ["-y", "-nostdin", "-v", "error"] + arguments
    try process.run()
    process.waitUntilExit()
    try #require(
      process.terminationStatus == 0, "ffmpeg \(arguments.joined(separator: " ")) failed")
  }

  /// A side-by-side video of ``distinctPairs(width:height:)`` (20×12 views) and the folder to
  /// extract it into.
  private func extractionInputs(in folder: TemporaryFolder) throws
    -> (pairs: [(Image, Image)], video: URL, output: URL)
  {
    let pairs = distinctPairs(width: 20, height: 12)
    let video = try makeVideo("sbs.mkv", in: folder, pack: "[0][1]hstack", pairs: pairs)
    return (pairs, video, folder.url.appendingPathComponent("extracted"))
  }

  private func distinctPairs(width: Int, height: Int) -> [(Image, Image)] {
    var pairs: [(Image, Image)] = []
    for index in 0..<Self.frameCount {
      let seed = UInt64(2 * index + 1)
      pairs.append(
        (
          TestImages.pattern(width: width, height: height, seed: seed),
          TestImages.pattern(width: width, height: height, seed: seed + 1)
        ))
    }
    return pairs
  }

  @Test("Side-by-side frames come back bit for bit, in order, not swapped")
  func sideBySideExact() throws {
    let folder = try TemporaryFolder()
    let pairs = distinctPairs(width: 20, height: 12)
    let video = try makeVideo("sbs.mkv", in: folder, pack: "[0][1]hstack", pairs: pairs)
    let info = try VideoInfo.probe(video)
    #expect(info.width == 40 && info.height == 12)
    #expect(abs(info.framesPerSecond - Double(Self.inputRate)) < 1e-6)

    let reader = try VideoFrameReader(
      url: video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate))
    var frames: [VideoFrame] = []
    while let frame = try reader.next() { frames.append(frame) }
    try #require(frames.count == Self.frameCount)
    #expect(reader.expectedFrameCount == Self.frameCount)
    for (frame, pair) in zip(frames, pairs) {
      let (left, right) = frame.views()
      #expect(left == pair.0, "left view of frame \(frame.index)")
      #expect(right == pair.1, "right view of frame \(frame.index)")
    }
    #expect(try reader.next() == nil)
  }

  @Test("Extraction at half the rate writes every other frame as PNG pairs")
  func extractAtLowerRate() throws {
    let folder = try TemporaryFolder()
    let (pairs, video, output) = try extractionInputs(in: folder)
    let count = try VideoExtraction.extract(
      video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate) / 2, to: output)
    #expect(count == Self.frameCount / 2)
    for k in 0..<count {
      let name = String(format: "%06d.png", k)
      #expect(try ImageIO.read(output.appendingPathComponent("left/" + name)) == pairs[2 * k].0)
      #expect(try ImageIO.read(output.appendingPathComponent("right/" + name)) == pairs[2 * k].1)
    }
    // The extracted folder is a dataset in the folder layout, one source.
    let dataset = try StereoDataset(contentsOf: output)
    #expect(dataset.samples.count == count && dataset.sources == ["extracted"])
    // A second extraction into the same folder is refused.
    #expect(throws: StereoDataError.self) {
      try VideoExtraction.extract(video, layout: .sideBySide, framesPerSecond: 1, to: output)
    }
  }

  @Test("A rate above the video's own is refused; --overwrite with fewer frames prunes the rest")
  func rateBoundAndPruning() throws {
    let folder = try TemporaryFolder()
    let pairs = distinctPairs(width: 20, height: 12)
    let video = try makeVideo("sbs.mkv", in: folder, pack: "[0][1]hstack", pairs: pairs)
    for rate in [Double(Self.inputRate) * 1.5, 1e9, 0, -1, .infinity, .nan] {
      let error = #expect(throws: StereoDataError.self, "\(rate)") {
        _ = try VideoFrameReader(url: video, layout: .sideBySide, framesPerSecond: rate)
      }
      #expect(
        error?.description.contains("\(Self.inputRate)") == true, "\(String(describing: error))")
    }
    // A dataset refuses the rate when it is scanned, before any training starts.
    let scanError = #expect(throws: StereoDataError.self) {
      _ = try StereoDataset(
        configuration: StereoDatasetConfiguration(
          path: video.path, videoLayout: .sideBySide,
          framesPerSecond: Double(Self.inputRate) * 1.5))
    }
    #expect(scanError?.description.contains("own rate") == true, "\(String(describing: scanError))")
    let output = folder.url.appendingPathComponent("extracted")
    let all = try VideoExtraction.extract(
      video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate), to: output)
    #expect(all == Self.frameCount)
    let fewer = try VideoExtraction.extract(
      video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate), to: output,
      maximumFrames: 2, overwrite: true)
    #expect(fewer == 2)
    for side in ["left", "right"] {
      let names = try FileManager.default.contentsOfDirectory(
        atPath: output.appendingPathComponent(side).path)
      #expect(names.sorted() == ["000000.png", "000001.png"], "\(side): \(names)")
    }
  }

  @Test("A stop request ends extraction between pairs; views left alone are removed first")
  func stopBetweenPairs() throws {
    let folder = try TemporaryFolder()
    let (pairs, video, output) = try extractionInputs(in: folder)
    var asked = 0
    let count = try VideoExtraction.extract(
      video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate), to: output,
      stoppingWhen: {
        asked += 1
        return asked > 2
      })
    #expect(count == 2)
    func names(_ side: String) throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent(side).path)
        .sorted()
    }
    #expect(try names("left") == ["000000.png", "000001.png"])
    #expect(try names("right") == ["000000.png", "000001.png"])
    #expect(try ImageIO.read(output.appendingPathComponent("right/000001.png")) == pairs[1].1)
    // Views a killed extraction left alone: the folder is not a dataset until they go.
    try ImageIO.writePNG(pairs[2].0, to: output.appendingPathComponent("left/000002.png"))
    try ImageIO.writePNG(pairs[3].1, to: output.appendingPathComponent("right/000003.png"))
    #expect(throws: StereoDataError.self) { try StereoDataset(contentsOf: output) }
    #expect(
      VideoExtraction.removeUnpairedFrames(in: output) == ["left/000002.png", "right/000003.png"])
    #expect(try StereoDataset(contentsOf: output).samples.count == 2)
    // The next extraction removes them first, even when it then refuses the folder.
    try ImageIO.writePNG(pairs[2].0, to: output.appendingPathComponent("left/000002.png"))
    #expect(throws: StereoDataError.self) {
      try VideoExtraction.extract(video, layout: .sideBySide, framesPerSecond: 1, to: output)
    }
    #expect(try names("left") == ["000000.png", "000001.png"])
  }

  @Test("Top-bottom frames come back bit for bit")
  func topBottomExact() throws {
    let folder = try TemporaryFolder()
    let pairs = distinctPairs(width: 16, height: 10)
    let video = try makeVideo("tb.mkv", in: folder, pack: "[0][1]vstack", pairs: pairs)
    let reader = try VideoFrameReader(
      url: video, layout: .topBottom, framesPerSecond: Double(Self.inputRate))
    let frame = try #require(try reader.next())
    let (left, right) = frame.views()
    #expect(left == pairs[0].0 && right == pairs[0].1)
  }

  @Test(
    "Half layouts are stretched back to full aspect, within scaling error",
    arguments: [StereoVideoLayout.halfSideBySide, .halfTopBottom])
  func halfLayouts(layout: StereoVideoLayout) throws {
    let folder = try TemporaryFolder()
    let (width, height) = (48, 32)
    var pairs: [(Image, Image)] = []
    for index in 0..<Self.frameCount {
      let phase = Float(index) * 0.1
      pairs.append(
        (
          TestImages.smooth(width: width, height: height, phase: phase),
          TestImages.smooth(width: width, height: height, phase: phase + 0.3)
        ))
    }
    let squeeze = layout == .halfSideBySide ? "scale=iw/2:ih" : "scale=iw:ih/2"
    let stack = layout == .halfSideBySide ? "hstack" : "vstack"
    let video = try makeVideo(
      "half.mkv", in: folder, pack: "[0]\(squeeze)[l];[1]\(squeeze)[r];[l][r]\(stack)", pairs: pairs
    )
    let reader = try VideoFrameReader(
      url: video, layout: layout, framesPerSecond: Double(Self.inputRate))
    var count = 0
    while let frame = try reader.next() {
      let (left, right) = frame.views()
      #expect(left.width == width && left.height == height)
      let pair = pairs[frame.index]
      let error = meanAbsoluteDifference(left, pair.0) + meanAbsoluteDifference(right, pair.1)
      let swapped = meanAbsoluteDifference(left, pair.1) + meanAbsoluteDifference(right, pair.0)
      #expect(error < 0.02, "mean error \(error) in frame \(frame.index)")
      #expect(swapped > 5 * error, "views look swapped in frame \(frame.index)")
      count += 1
    }
    #expect(count == Self.frameCount)
  }

  private func meanAbsoluteDifference(_ a: Image, _ b: Image) -> Float {
    zip(a.pixels, b.pixels).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.pixels.count)
  }

  @Test("Odd frame sizes, missing video streams and non-videos give one-line errors")
  func malformedVideos() throws {
    let folder = try TemporaryFolder()
    let odd = folder.url.appendingPathComponent("odd.mkv")
    try runFFmpeg(["-f", "lavfi", "-i", "testsrc=s=21x8:d=1:r=2", "-c:v", "ffv1", odd.path])
    #expect(throws: StereoDataError.self) {
      try VideoFrameReader(url: odd, layout: .sideBySide, framesPerSecond: 1)
    }
    _ = try VideoFrameReader(url: odd, layout: .topBottom, framesPerSecond: 1)  // 8 rows split fine

    let audio = folder.url.appendingPathComponent("tone.wav")
    try runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", audio.path])
    do {
      _ = try VideoFrameReader(url: audio, layout: .sideBySide, framesPerSecond: 1)
      Issue.record("an audio file was read as video")
    } catch let error as StereoDataError {
      #expect(error.description == "\(audio.path): no video stream")
    }

    let text = folder.url.appendingPathComponent("notes.mkv")
    try Data("not a video".utf8).write(to: text)
    do {
      _ = try VideoInfo.probe(text)
      Issue.record("a text file was read as video")
    } catch let error as StereoDataError {
      #expect(error.description.hasPrefix(text.path + ": not a video"), "\(error)")
      #expect(!error.description.contains("\n"))
    }
  }

  @Test("A truncated video ends early or throws, and never traps")
  func truncatedVideo() throws {
    let folder = try TemporaryFolder()
    let video = try makeVideo(
      "sbs.mkv", in: folder, pack: "[0][1]hstack", pairs: distinctPairs(width: 20, height: 12))
    let data = try Data(contentsOf: video)
    let cut = folder.url.appendingPathComponent("cut.mkv")
    try data.prefix(data.count * 2 / 3).write(to: cut)
    var frames = 0
    do {
      let reader = try VideoFrameReader(
        url: cut, layout: .sideBySide, framesPerSecond: Double(Self.inputRate))
      while try reader.next() != nil { frames += 1 }
    } catch is StereoDataError {}
    #expect(frames < Self.frameCount)
  }

  @Test("Closing a reader early stops ffmpeg")
  func closeEarly() throws {
    let folder = try TemporaryFolder()
    let video = try makeVideo(
      "sbs.mkv", in: folder, pack: "[0][1]hstack", pairs: distinctPairs(width: 20, height: 12))
    let reader = try VideoFrameReader(
      url: video, layout: .sideBySide, framesPerSecond: Double(Self.inputRate))
    _ = try reader.next()
    reader.close()
    #expect(try reader.next() == nil)
  }
}
