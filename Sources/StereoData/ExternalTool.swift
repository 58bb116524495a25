import Foundation
import Synchronization

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

  /// Runs the tool to completion and returns its exit status and outputs. For tools with small
  /// outputs (ffprobe); stderr is drained on another thread so neither pipe can block.
  func run(_ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
    let process = Process()
    process.executableURL = try location()
    process.arguments = arguments
    let output = Pipe()
    let errors = StandardErrorCollector()
    process.standardOutput = output
    process.standardError = errors.pipe
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw StereoDataError(
        .tool, path: rawValue, "cannot be started (\(error.localizedDescription))")
    }
    errors.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data, errors.finish())
  }
}

/// Collects a child process's stderr on a background queue, keeping the last few kilobytes.
final class StandardErrorCollector: Sendable {
  /// The pipe to hand to `Process.standardError`.
  let pipe = Pipe()
  private let text = Mutex("")
  private let done = DispatchSemaphore(value: 0)
  /// The most stderr kept, in characters: enough for the last messages of a failing tool.
  private static let keptCharacters = 4096

  /// Starts draining the pipe.
  func start() {
    let handle = pipe.fileHandleForReading
    DispatchQueue.global(qos: .utility).async { [self] in
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        text.withLock { text in
          text += String(decoding: chunk, as: UTF8.self)
          if text.count > Self.keptCharacters { text = String(text.suffix(Self.keptCharacters)) }
        }
      }
      done.signal()
    }
  }

  /// Waits until the process has closed stderr and returns what it wrote.
  func finish() -> String {
    done.wait()
    done.signal()  // later calls return at once
    return text.withLock { $0 }
  }

  /// The last non-empty line written so far, for one-line error messages.
  static func lastLine(of text: String) -> String {
    text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
  }
}
