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

  @Test("A truncated last frame stops with an error naming the frame size and format")
  func truncated() throws {
    let result = try Self.pipe(
      frames: 2, size: "256x96",
      arguments: ["--frame-size", "250x96", "--layout", "sbs", "-o", "-"])
    #expect(result.status == 1)
    #expect(result.error.contains("250x96") && result.error.contains("rgb24"), "\(result.error)")
  }
}
