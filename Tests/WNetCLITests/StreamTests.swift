import Foundation
import StereoData
import StereoDepth
import Testing

/// `wnet infer --stream` fed by an ffmpeg pipe, as from a camera: one disparity frame out for
/// each frame in, with fps printed.
@Suite("wnet infer --stream", .serialized)
struct StreamTests {
  /// Runs `ffmpeg … testsrc … -f rawvideo -pix_fmt rgb24 - | wnet infer --stream …`; returns
  /// wnet's status, standard output and standard error.
  static func pipe(frames: Int, size: String, arguments: [String]) throws -> (
    status: Int32, output: Data, error: String
  ) {
    let binary = try #require(CommandLineErrorTests.binary)
    let ffmpeg = Process()
    ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    ffmpeg.arguments = [
      "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=\(size):rate=30", "-frames:v",
      String(frames), "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]
    let frames = Pipe()
    ffmpeg.standardOutput = frames
    let wnet = Process()
    wnet.executableURL = binary
    wnet.arguments = ["infer", "--stream"] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "1"
    wnet.environment = environment
    wnet.standardInput = frames
    let output = Pipe()
    wnet.standardOutput = output
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-stream-\(UUID().uuidString.prefix(8)).err")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    wnet.standardError = try FileHandle(forWritingTo: errorFile)
    try wnet.run()
    try ffmpeg.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    ffmpeg.waitUntilExit()
    wnet.waitUntilExit()
    return (
      wnet.terminationStatus, data, String(decoding: try Data(contentsOf: errorFile), as: UTF8.self)
    )
  }

  @Test("30 side-by-side frames in, 30 float32 disparity frames out with the header; fps printed")
  func rawOut() throws {
    let result = try Self.pipe(
      frames: 30, size: "256x96",
      arguments: ["--frame-size", "256x96", "--layout", "sbs", "-o", "-"])
    #expect(result.status == 0, "\(result.error)")
    let header = [UInt8](result.output.prefix(16))
    #expect(Array(header[0..<8]) == Array("WNETDSP1".utf8))
    let width = Int(header[8]) | Int(header[9]) << 8,
      height = Int(header[12]) | Int(header[13]) << 8
    #expect(width == 128 && height == 96)
    let frameBytes = width * height * 4
    #expect((result.output.count - 16) % frameBytes == 0)
    #expect((result.output.count - 16) / frameBytes == 30, "frames out ≠ 30: \(result.error)")
    #expect(result.error.contains("30 frames in, 30 frames out"))
    #expect(result.error.contains("fps") && result.error.contains("latency"))
    // The values are finite disparities within the default model's candidates (at scale ≤ 1).
    let maximum = Float(try PretrainedModel.load().model.configuration.maximumDisparity)
    let values = result.output.dropFirst(16).withUnsafeBytes {
      Array($0.bindMemory(to: Float.self))
    }
    #expect(values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= maximum + 1 })
  }

  @Test("Top-bottom frames to a video file: as many frames as came in (ffprobe)")
  func videoOut() throws {
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let video = folder.appendingPathComponent("d.mkv")
    let result = try Self.pipe(
      frames: 30, size: "96x128",
      arguments: ["--frame-size", "96x128", "--layout", "tb", "-o", video.path])
    #expect(result.status == 0, "\(result.error)")
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = [
      "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
      "stream=nb_read_frames,width,height", "-of", "csv=p=0", video.path,
    ]
    let output = Pipe()
    probe.standardOutput = output
    try probe.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    probe.waitUntilExit()
    #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "96,64,30", "\(text)")
  }

  /// Testsrc frame `index` of `size` as ffmpeg writes it to the pipe, packed side by side.
  static func testFrame(_ index: Int, size: String, width: Int, height: Int) throws -> VideoFrame {
    let ffmpeg = Process()
    ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    ffmpeg.arguments = [
      "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=\(size):rate=30", "-frames:v",
      String(index + 1), "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]
    let output = Pipe()
    ffmpeg.standardOutput = output
    try ffmpeg.run()
    let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
    ffmpeg.waitUntilExit()
    let frameBytes = width * height * 3
    try #require(bytes.count == (index + 1) * frameBytes)
    return VideoFrame(
      index: index, time: 0, layout: .sideBySide, width: width, height: height,
      rgb: Array(bytes[(index * frameBytes)...]))
  }

  /// `--adapt N` with `--stream` adapts every frame.
  ///
  /// N steps on each frame, each from the model's own weights, as for each pair of a folder: a
  /// frame's map must be what `wnet infer --adapt N --dense` writes for that frame's two views as
  /// image files (the same adaptation, at the same size and precision), and differ from the
  /// unadapted model's.
  @Test("--adapt adapts each frame from the model's own weights")
  func adaptedFrames() throws {
    let common = [
      "--frame-size", "256x96", "--layout", "sbs", "-o", "-", "--precision", "float32",
    ]
    let plain = try Self.pipe(frames: 3, size: "256x96", arguments: common)
    let adapted = try Self.pipe(frames: 3, size: "256x96", arguments: common + ["--adapt", "2"])
    #expect(plain.status == 0 && adapted.status == 0, "\(adapted.error)")
    for index in 0..<3 {
      let steps = adapted.error.components(separatedBy: "adapting frame \(index): step").count - 1
      #expect(steps == 2, "frame \(index): \(adapted.error)")
    }
    func maps(_ data: Data) -> [[Float]] {
      let values = data.dropFirst(16).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      return stride(from: 0, to: values.count, by: 128 * 96).map {
        Array(values[$0..<min($0 + 128 * 96, values.count)])
      }
    }
    let (before, after) = (maps(plain.output), maps(adapted.output))
    try #require(before.count == 3 && after.count == 3)
    let folder = try CommandLineErrorTests.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for index in [0, 2] {
      let change = zip(before[index], after[index]).map { abs($0 - $1) }.max() ?? 0
      #expect(change > 1e-3, "frame \(index) is the unadapted model's map")
      // The frame's views as PNG files, mapped by `wnet infer` with the same adaptation.
      let views = try Self.testFrame(index, size: "256x96", width: 256, height: 96).views()
      let (left, right) = try CommandLineErrorTests.writeViews(
        views.left, views.right, in: folder, prefix: "\(index)-")
      let out = folder.appendingPathComponent("out\(index)")
      let single = try CommandLineErrorTests.run([
        "infer", left.path, right.path, "--adapt", "2", "--dense", "--upscale", "1",
        "--precision", "float32", "-o", out.path,
      ])
      #expect(single.status == 0, "\(single.standardError)")
      let expected = try ImageIO.read(out.appendingPathComponent("disparity.pfm"))
      try #require(expected.width == 128 && expected.height == 96)
      let difference = zip(expected.pixels, after[index]).map { abs($0 - $1) }.max() ?? .infinity
      #expect(difference < 1e-3, "frame \(index): \(difference) px from infer's map")
    }
  }

  @Test("A truncated last frame stops with an error naming the frame size and format")
  func truncated() throws {
    let result = try Self.pipe(
      frames: 2, size: "256x96",
      arguments: ["--frame-size", "250x96", "--layout", "sbs", "-o", "-"])
    #expect(result.status == 1)
    #expect(result.error.contains("250x96") && result.error.contains("rgb24"), "\(result.error)")
  }
}
