import Foundation
import Testing

/// Runs independent Python/NumPy cross-checks when `python3` with NumPy is installed.
///
/// Tests that use it carry `.enabled(if: PythonSupport.hasNumPy, …)`, so a machine without
/// Python skips them and says why instead of failing.
enum PythonSupport {
  /// Whether `python3` (found on `PATH`) imports NumPy.
  static let hasNumPy: Bool = {
    guard let result = try? run(arguments: ["-c", "import numpy"]) else { return false }
    return result.status == 0
  }()

  /// The note shown when the cross-checks are skipped.
  static let skipNote: Comment =
    "python3 with NumPy not found; the independent cross-check is skipped"

  /// Runs `python3` with `arguments`; returns its exit status, standard output and error.
  static func run(arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-python-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("stdout")
    let errorURL = directory.appendingPathComponent("stderr")
    for url in [outputURL, errorURL] {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw ScriptError(description: "Cannot create \(url.path)")
      }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    // Files rather than pipes: a full pipe would block the child while we wait for it.
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorURL)
    try process.run()
    process.waitUntilExit()
    return (
      process.terminationStatus, try Data(contentsOf: outputURL),
      String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
    )
  }

  /// Writes `script` to a temporary file and runs it with `arguments`; returns standard output.
  ///
  /// - Throws: When Python cannot start or the script fails (its standard error is in the message).
  static func runScript(_ script: String, arguments: [String]) throws -> Data {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wnet-check-\(UUID().uuidString).py")
    try Data(script.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let result = try run(arguments: [url.path] + arguments)
    guard result.status == 0 else {
      throw ScriptError(description: "python3 exited with \(result.status): \(result.error)")
    }
    return result.output
  }

  struct ScriptError: Error, CustomStringConvertible {
    var description: String
  }
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "wnet-test-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}
