import Testing

@testable import StereoData

@Suite("External tools") struct ExternalToolTests {
  @Test("A missing ffmpeg is reported by name, with how to install it")
  func missingTool() throws {
    do {
      _ = try ExternalTool.ffmpeg.location(searchPath: "/nonexistent/bin")
      Issue.record("ffmpeg was found in an empty search path")
    } catch let error as StereoDataError {
      #expect(error.kind == .tool)
      #expect(
        error.description
          == "ffmpeg: not found on PATH; install FFmpeg (e.g. apt-get install ffmpeg) to read video"
      )
    }
  }
}
