import Foundation

/// The external programs StereoData runs (`ffmpeg`, `ffprobe`), found on `PATH`.
public enum ExternalTool: String, Sendable {
  case ffmpeg
  case ffprobe

  /// Whether the tool is installed on `PATH`.
  public var isAvailable: Bool { (try? location()) != nil }

  /// The tool's executable, found in the folders of `searchPath` (`PATH` by default).
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` when it is not there.
  public func location(searchPath: String? = nil) throws -> URL {
    let path =
      searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") where !folder.isEmpty {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(rawValue)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw StereoDataError(
      .tool, path: rawValue,
      "not found on PATH; install FFmpeg (e.g. apt-get install ffmpeg) to read video")
  }

  /// Runs the tool to completion and returns how it ended, its standard output and the end of
  /// its standard error. For tools with small outputs (ffprobe).
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` when it is missing or cannot be started.
  func run(_ arguments: [String]) throws -> (
    termination: Subprocess.Termination, output: Data, errors: String
  ) {
    try Subprocess.run(executable: try location(), arguments: arguments, name: rawValue)
  }

  /// Starts the tool with `arguments`; see ``Subprocess``.
  ///
  /// - Throws: ``StereoDataError`` of kind `.tool` when it is missing or cannot be started.
  func start(
    _ arguments: [String], input: Subprocess.Stream = .null, output: Subprocess.Stream = .null
  ) throws -> Subprocess {
    try Subprocess(
      executable: try location(), arguments: arguments, name: rawValue, input: input,
      output: output)
  }
}
